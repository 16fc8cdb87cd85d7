using System.Text.Json;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;

namespace Neuro.Core.Boards;

/// <summary>
/// Finds and loads board descriptors. A board is named (<c>mps2-an386</c>: <c>boards/mps2-an386/board.json</c>)
/// or given as a path to a <c>board.json</c>. The <c>boards/</c> folder is the one beside the running
/// assembly (every build copies it there), else <c>$NEURO_BOARDS</c>, else the nearest one above the
/// working directory.
/// </summary>
public static class BoardCatalog
{
    public const string FileName = "board.json";

    /// <summary>The config files' conventions (camelCase, comments, unknown fields refused), plus required fields.</summary>
    public static readonly JsonSerializerOptions Options = new(ArchitectureJson.Options)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The folder holding one sub-folder per board.</summary>
    /// <exception cref="NeuroException">No <c>boards/</c> folder can be found.</exception>
    public static string BoardsDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("NEURO_BOARDS");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (!Directory.Exists(fromEnvironment))
                throw new NeuroException($"NEURO_BOARDS={fromEnvironment} is not a directory");
            return fromEnvironment;
        }
        string beside = Path.Combine(AppContext.BaseDirectory, "boards");
        if (Directory.Exists(beside))
            return beside;
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "boards");
            if (File.Exists(Path.Combine(directory.FullName, "Neuro.sln")) && Directory.Exists(candidate))
                return candidate;
        }
        throw new NeuroException("cannot find the boards/ folder (set NEURO_BOARDS to it)");
    }

    /// <summary>Every board under <see cref="BoardsDirectory"/>, by name.</summary>
    public static IReadOnlyList<BoardDescriptor> List()
    {
        string root = BoardsDirectory();
        return Directory.GetDirectories(root)
            .Where(directory => File.Exists(Path.Combine(directory, FileName)))
            .Order(StringComparer.Ordinal)
            .Select(directory => LoadFile(Path.Combine(directory, FileName)))
            .ToList();
    }

    /// <summary>The folder of a board: its linker script, startup code and HAL live there.</summary>
    public static string DirectoryOf(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return Path.GetDirectoryName(Path.GetFullPath(nameOrPath))!;
        return Path.Combine(BoardsDirectory(), nameOrPath);
    }

    /// <summary>Loads a board by name or by the path of its <c>board.json</c>.</summary>
    /// <exception cref="NeuroException">Unknown board (the message lists the known ones) or an invalid file.</exception>
    public static BoardDescriptor Load(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return LoadFile(nameOrPath);
        string path = Path.Combine(BoardsDirectory(), nameOrPath, FileName);
        if (!File.Exists(path))
        {
            string known = string.Join(", ", List().Select(board => board.Name));
            throw new NeuroException($"unknown board '{nameOrPath}' (known: {known})");
        }
        return LoadFile(path);
    }

    public static BoardDescriptor LoadFile(string path)
    {
        if (!File.Exists(path))
            throw new NeuroException($"board file {path} does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <exception cref="ConfigValidationException">Malformed JSON, a missing or unknown field, or an impossible value.</exception>
    public static BoardDescriptor Parse(string json, string source)
    {
        BoardDescriptor? board;
        try
        {
            board = JsonSerializer.Deserialize<BoardDescriptor>(json, Options);
        }
        catch (JsonException error)
        {
            string field = string.IsNullOrEmpty(error.Path) ? "$" : error.Path.TrimStart('$', '.');
            throw new ConfigValidationException(source, [new ValidationError(field, error.Message)]);
        }
        if (board is null)
            throw new ConfigValidationException(source, [new ValidationError("$", "is null")]);
        var errors = Validate(board);
        if (errors.Count > 0)
            throw new ConfigValidationException(source, errors);
        return board;
    }

    public static IReadOnlyList<ValidationError> Validate(BoardDescriptor board)
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(board.Name) || board.Name.Any(character => !(char.IsAsciiLetterOrDigit(character) || character is '-' or '_')))
            errors.Add(new ValidationError("name", "must be letters, digits, '-' or '_'"));
        if (board.ClockHz <= 0)
            errors.Add(new ValidationError("clockHz", "must be positive"));
        CheckRegion(errors, "flash", board.Flash, board.Reserve.FlashBytes);
        CheckRegion(errors, "sram", board.Sram, board.Reserve.SramBytes);
        if (board.Reserve.FlashBytes < 0 || board.Reserve.SramBytes < 0)
            errors.Add(new ValidationError("reserve", "must not be negative"));
        if (board.CycleCounter is not ("dwt" or "systick" or "clock_gettime"))
            errors.Add(new ValidationError("cycleCounter", "must be dwt, systick or clock_gettime"));
        if (board.Uart.Baud <= 0)
            errors.Add(new ValidationError("uart.baud", "must be positive"));
        if (board.Energy is { } energy)
        {
            if (energy.RunCurrentMilliamps <= 0 || energy.SupplyVolts <= 0 || energy.AtClockHz <= 0)
                errors.Add(new ValidationError("energy", "current, voltage and clock must be positive"));
            if (string.IsNullOrWhiteSpace(energy.Source))
                errors.Add(new ValidationError("energy.source", "every energy figure needs its source"));
        }
        if (board.Emulator is { Kind: not ("qemu" or "host") })
            errors.Add(new ValidationError("emulator.kind", "must be qemu or host"));
        if (board.Emulator is { Kind: "qemu", Machine: null })
            errors.Add(new ValidationError("emulator.machine", "QEMU needs a machine name"));
        if (board.Emulator is { InstructionsPerTick: <= 0 or double.NaN or double.PositiveInfinity })
            errors.Add(new ValidationError("emulator.instructionsPerTick", "must be a positive number of instructions per SysTick tick"));
        if (board.Slots is { } slots)
            CheckSlots(errors, board, slots);
        return errors;
    }

    private static void CheckSlots(List<ValidationError> errors, BoardDescriptor board, ProgramSlots slots)
    {
        if (slots.Count <= 0 || slots.Bytes <= 0)
            errors.Add(new ValidationError("slots", "count and bytes must be positive"));
        if (slots.Storage == "sram")
        {
            if (slots.Origin is not null)
                errors.Add(new ValidationError("slots.origin", "SRAM slots are placed by the linker: origin must be null"));
            if (slots.SramBytes >= board.ProgramSramBytes)
                errors.Add(new ValidationError("slots.bytes", $"{slots.Count} SRAM slots of {slots.Bytes} bytes leave no arena in {board.ProgramSramBytes} program SRAM bytes"));
        }
        else if (slots.Storage == "flash")
        {
            long end = (slots.Origin ?? -1) + slots.Count * slots.Bytes;
            if (slots.Origin is not { } origin || origin < board.Flash.Origin || end > board.Flash.Origin + board.Flash.Bytes)
                errors.Add(new ValidationError("slots.origin", $"flash slots must lie inside flash 0x{board.Flash.Origin:X8}+{board.Flash.Bytes}"));
        }
        else
        {
            errors.Add(new ValidationError("slots.storage", "must be flash or sram"));
        }
    }

    private static void CheckRegion(List<ValidationError> errors, string field, MemoryRegion region, long reserved)
    {
        if (region.Bytes <= 0)
            errors.Add(new ValidationError($"{field}.bytes", "must be positive"));
        if (region.Origin < 0)
            errors.Add(new ValidationError($"{field}.origin", "must not be negative"));
        if (reserved >= region.Bytes)
            errors.Add(new ValidationError($"reserve.{field}Bytes", $"reserves {reserved} of {region.Bytes} bytes, leaving nothing for programs"));
    }
}
