using System.Globalization;
using System.Text;
using System.Text.Json;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Program;

namespace Neuro.FirmwareGen;

/// <summary>
/// What to generate: a board, a shape, the .nsp bytes (required when baked), where, and for a loader the board's
/// deploy key (<see cref="LinkKey"/>: the bytes of the host's key file, provisioned into the firmware).
/// </summary>
/// <param name="Link">
/// Baked firmware only: compile the serial link in (the default), so the baked program streams samples over the same
/// protocol as a loader's; false builds a console-only firmware that leaves the link's SRAM to the program (a loader
/// always has the link: it is how its programs arrive).
/// </param>
public sealed record FirmwareRequest(BoardDescriptor Board, string BoardDirectory, FirmwareShape Shape, byte[]? Program, string ProgramSource, string OutputDirectory, byte[]? Key = null, bool Link = true);

/// <summary>
/// The result of <see cref="FirmwareGenerator.GenerateAsync"/>: the firmware, its footprint against the
/// board's memories and the program's needs against what the firmware reserved for it.
/// </summary>
/// <param name="ArenaBytes">SRAM the firmware reserved for program buffers (exactly the program's arena in its weight placement when baked).</param>
/// <param name="Kernels">The Conv2d/Linear kernels built in, the weight placement, and why.</param>
public sealed record FirmwareReport(
    string Board, FirmwareShape Shape, string FirmwareVersion, string OutputDirectory, string Firmware,
    ProgramNeeds? Program, ProgramCapacity Capacity, long ArenaBytes, Footprint Footprint,
    long FlashTotal, long FlashLeft, long SramTotal, long SramLeft, IReadOnlyList<string> BuildCommand, KernelChoice Kernels);

/// <summary>
/// Emits a self-contained firmware source folder (runtime, HAL, app, board support, generated config and,
/// when baked, the program as a <c>const uint8_t</c> array), builds it with the board's toolchain
/// (<c>-Wall -Wextra -Werror</c>), and measures it with <c>size</c>. A program that does not fit is refused
/// before anything is written. The folder is built aside and moved into place only when the build succeeds.
/// </summary>
public static class FirmwareGenerator
{
    public const string FirmwareVersion = "0.1.0";
    public const string FirmwareFile = "firmware.elf";
    public const string ManifestFile = "firmware.json";
    public const string BuildScript = "build.sh";

    private static readonly string[] CommonFlags =
        ["-std=c99", "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections", "-fno-tree-loop-distribute-patterns"];

    private static readonly string[] IncludeDirectories = ["generated", "app", "hal", "runtime/include", "runtime/src", "runtime/link/include", "board"];

    private static readonly JsonSerializerOptions ManifestOptions = new(BoardCatalog.Options)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static async Task<FirmwareReport> GenerateAsync(FirmwareRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var board = request.Board;
        if (request.Shape == FirmwareShape.Baked && request.Program is null)
            throw new NeuroException("a baked firmware needs a program (.nsp)");
        if (request.Shape == FirmwareShape.Loader)
            LinkKey.Check(request.Key, board.Name);
        else if (request.Key is not null)
            throw new NeuroException("a deploy key is for loader firmware (programs are uploaded into it); a baked firmware refuses uploads and takes no key");
        if (request.Shape == FirmwareShape.Loader && !request.Link)
            throw new NeuroException("a loader firmware always carries the serial link: programs arrive through it");
        var capacity = ProgramCapacity.Of(board, request.Shape);
        ProgramNeeds? needs = request.Program is { } bytes ? ProgramNeeds.Of(bytes, request.ProgramSource) : null;
        if (request.Shape == FirmwareShape.Baked && request.Link)
        {
            long link = LinkRam.BakedBytes(InputOf(request.Program!, request.ProgramSource));
            capacity = capacity with
            {
                ArenaBytes = Math.Max(0, capacity.ArenaBytes - link),
                ArenaBasis = $"{capacity.ArenaBasis} − serial link {ProgramCapacity.N(link)} (a console-only firmware, neuro firmware --no-link, keeps it)",
            };
        }
        if (needs is not null)
            ProgramFit.Check(board, capacity, needs);
        var kernels = request.Shape == FirmwareShape.Baked ? KernelChoice.ForBaked(needs!, capacity) : KernelChoice.ForLoader(capacity);
        long arena = request.Shape == FirmwareShape.Baked ? Math.Max(kernels.ArenaBytes, 4) : capacity.ArenaBytes;
        progress?.Report(kernels.Reason);

        string output = Path.GetFullPath(request.OutputDirectory);
        CheckReplaceable(output);
        string staging = $"{output}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            progress?.Report("emitting sources");
            var sources = Emit(request, staging, arena, kernels, needs);
            var command = BuildCommand(board, sources, kernels);
            await File.WriteAllTextAsync(Path.Combine(staging, BuildScript), Script(command), cancellationToken).ConfigureAwait(false);

            progress?.Report($"building with {board.Toolchain.Compiler}");
            var build = await ToolProcess.RunAsync(command[0], command.Skip(1).ToList(), staging, cancellationToken).ConfigureAwait(false);
            if (build.ExitCode != 0)
                throw new NeuroException($"{board.Toolchain.Compiler} failed for board {board.Name} (exit {build.ExitCode}):\n{build.Error.Trim()}{build.Output.Trim()}");

            progress?.Report("measuring");
            var size = await ToolProcess.RunAsync(SizeTool(board), [FirmwareFile], staging, cancellationToken).ConfigureAwait(false);
            if (size.ExitCode != 0)
                throw new NeuroException($"{SizeTool(board)} failed: {size.Error.Trim()}");
            var footprint = Footprint.Parse(size.Output);

            var report = new FirmwareReport(board.Name, request.Shape, FirmwareVersion, output, Path.Combine(output, FirmwareFile),
                needs, capacity, arena, footprint,
                board.Flash.Bytes, board.Flash.Bytes - footprint.FlashBytes, board.Sram.Bytes, board.Sram.Bytes - footprint.SramBytes, command, kernels);
            await File.WriteAllTextAsync(Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(report, ManifestOptions), cancellationToken).ConfigureAwait(false);

            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
            Directory.Move(staging, output);
            return report;
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>An existing output folder is replaced only when it is a previous generator output.</summary>
    private static void CheckReplaceable(string output)
    {
        if (File.Exists(output))
            throw new NeuroException($"--out {output} is a file, not a folder");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !File.Exists(Path.Combine(output, ManifestFile)))
            throw new NeuroException($"--out {output} exists and is not a firmware folder (no {ManifestFile}); choose an empty or new folder");
    }

    /// <summary>Copies every source into <paramref name="root"/> and returns the C files to compile, relative to it.</summary>
    internal static IReadOnlyList<string> Emit(FirmwareRequest request, string root, long arenaBytes, KernelChoice kernels, ProgramNeeds? needs)
    {
        var board = request.Board;
        string sources = FirmwareSources.Directory();
        var compile = new List<string>();
        compile.AddRange(CopyFiles(Path.Combine(sources, "runtime", "include"), root, "runtime/include", "*.h", compileC: false));
        compile.AddRange(CopyFiles(Path.Combine(sources, "runtime", "src"), root, "runtime/src", "*", compileC: true));
        compile.AddRange(CopyFiles(Path.Combine(sources, "app"), root, "app", "*", compileC: true));
        // A loader receives its programs over the serial link (docs/protocol.md); a baked firmware streams samples over it.
        bool link = request.Shape == FirmwareShape.Loader || request.Link;
        compile.AddRange(CopyFiles(Path.Combine(sources, "runtime", "link", "include"), root, "runtime/link/include", "*.h", compileC: false));
        if (link)
            compile.AddRange(CopyFiles(Path.Combine(sources, "runtime", "link", "src"), root, "runtime/link/src", "*.c", compileC: true));
        compile.AddRange(CopyFiles(Path.Combine(sources, "hal"), root, "hal", "*.h", compileC: false));
        foreach (string halSource in HalSources(board, request.BoardDirectory))
            compile.AddRange(CopyFiles(Path.Combine(sources, "hal"), root, "hal", halSource, compileC: true));
        compile.AddRange(CopyFiles(request.BoardDirectory, root, "board", "*", compileC: true));

        Directory.CreateDirectory(Path.Combine(root, "generated"));
        bool image = kernels.Placement == WeightPlacement.Image;
        File.WriteAllText(Path.Combine(root, "generated", "nsp_build.h"), BuildHeader(request, arenaBytes, image));
        if (request.Shape == FirmwareShape.Baked)
        {
            File.WriteAllText(Path.Combine(root, "generated", "nsp_program.c"),
                ProgramSource(request.Program!, needs!, image ? RowsImage(request.Program!, request.ProgramSource) : null));
            compile.Add("generated/nsp_program.c");
        }
        return compile;
    }

    private static IEnumerable<string> CopyFiles(string from, string root, string to, string pattern, bool compileC)
    {
        if (!Directory.Exists(from))
            throw new NeuroException($"firmware source folder {from} does not exist");
        Directory.CreateDirectory(Path.Combine(root, to));
        var compiled = new List<string>();
        foreach (string file in Directory.GetFiles(from, pattern).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            File.Copy(file, Path.Combine(root, to, name), overwrite: true);
            if (compileC && name.EndsWith(".c", StringComparison.Ordinal))
                compiled.Add($"{to}/{name}");
        }
        return compiled;
    }

    /// <summary>
    /// The shared HAL pieces a board needs: Cortex-M support, the generic reset and vector table unless the board
    /// brings its own <c>startup.c</c>, its UART driver, RAM slots or the STM32 flash driver.
    /// </summary>
    internal static IEnumerable<string> HalSources(BoardDescriptor board, string boardDirectory)
    {
        if (board.Core != "host")
        {
            yield return "nsp_cortexm.c";
            if (!File.Exists(Path.Combine(boardDirectory, "startup.c")))
                yield return "nsp_cortexm_startup.c";
            yield return board.Uart.Kind switch
            {
                "cmsdk" => "nsp_uart_cmsdk.c",
                "stm32f4-usart" => "nsp_uart_stm32f4.c",
                "stm32f7-usart" => "nsp_uart_stm32f7.c",
                "nrf-uart" => "nsp_uart_nrf.c",
                _ => throw new NeuroException($"board {board.Name}: no UART driver for uart.kind '{board.Uart.Kind}' (known: cmsdk, stm32f4-usart, stm32f7-usart, nrf-uart)"),
            };
        }
        // The host board's hal.c holds its own slots (RAM, or a file standing in for flash); STM32 flash slots share a driver.
        if (board.Core != "host" && board.Slots is null or { Storage: "sram" })
            yield return "nsp_ram_slots.c";
        if (board.Slots is { Storage: "flash" } && board.Uart.Kind is "stm32f4-usart" or "stm32f7-usart")
            yield return "nsp_flash_stm32.c";
    }

    internal static string BuildHeader(FirmwareRequest request, long arenaBytes, bool weightImage = false)
    {
        var board = request.Board;
        var slots = board.Slots;
        // RAM slots only exist in a loader (a baked firmware would waste the SRAM); flash slots cost no RAM.
        bool slotsPresent = slots is not null && (request.Shape == FirmwareShape.Loader || slots.Storage == "flash");
        var text = new StringBuilder();
        text.AppendLine("/* Generated by neuro firmware: board.json and the firmware shape as C constants. Do not edit. */");
        text.AppendLine("#ifndef NSP_BUILD_H");
        text.AppendLine("#define NSP_BUILD_H");
        text.AppendLine();
        Define(text, "NSP_BOARD_NAME", $"\"{board.Name}\"");
        Define(text, "NSP_FIRMWARE_VERSION", $"\"{FirmwareVersion}\"");
        Define(text, "NSP_APP_BAKED", request.Shape == FirmwareShape.Baked ? "1" : "0");
        Define(text, "NSP_APP_ARENA_BYTES", $"{arenaBytes}u");
        Define(text, "NSP_APP_WEIGHT_IMAGE", weightImage ? "1" : "0");
        if (request.Shape == FirmwareShape.Loader)
        {
            Define(text, "NSP_APP_PROTOCOL", "nsp_link_protocol");
            Define(text, "NSP_LINK_APP_FRAME_BYTES", $"{LinkRam.FrameBytes(board)}u");
            Define(text, "NSP_UART_RX_BYTES", $"{LinkRam.UartRingBytes}u");
            text.AppendLine("/* The per-board deploy key (HMAC-SHA256), from the key file given to neuro firmware --key. */");
            Define(text, "NSP_LINK_APP_KEY", string.Join(", ", request.Key!.Select(b => $"0x{b:x2}")));
        }
        else if (request.Link)
        {
            // The console until a link host's first 0x00, the link throughout; buffers sized for the baked program.
            var input = InputOf(request.Program!, request.ProgramSource);
            Define(text, "NSP_APP_PROTOCOL", "nsp_link_console_protocol");
            Define(text, "NSP_LINK_APP_FRAME_BYTES", $"{Math.Max(input.FrameBytes, 1)}u");
            Define(text, "NSP_LINK_APP_OPS", $"{Math.Max(input.Ops, 1)}u");
            Define(text, "NSP_UART_RX_BYTES", $"{LinkRam.UartRingBytes}u");
        }
        else
        {
            Define(text, "NSP_APP_PROTOCOL", "nsp_app_console");
        }
        Define(text, "NSP_SLOT_COUNT", $"{(slotsPresent ? slots!.Count : 0)}u");
        Define(text, "NSP_SLOT_BYTES", $"{(slotsPresent ? slots!.Bytes : 0)}u");
        Define(text, "NSP_SLOT_ORIGIN", $"0x{(slotsPresent ? slots!.Origin ?? 0 : 0):X8}u");
        Define(text, "NSP_CLOCK_HZ", $"{board.ClockHz}u");
        Define(text, "NSP_UART_BASE", $"0x{board.Uart.Base:X8}u");
        Define(text, "NSP_UART_RX_IRQ", $"{board.Uart.RxIrq ?? 0}u");
        Define(text, "NSP_UART_BAUD", $"{board.Uart.Baud}u");
        if (File.Exists(Path.Combine(request.BoardDirectory, "board_config.h")))
            text.AppendLine().AppendLine("#include \"board_config.h\"");
        text.AppendLine().AppendLine("#endif");
        return text.ToString();
    }

    /// <summary>The baked program's input frame (C·H·W cells) and op count, which size the link's buffers.</summary>
    private static BakedInput InputOf(byte[] program, string source)
    {
        var read = Neuro.Program.SpikeProgramFile.Read(program, source);
        return new BakedInput(read.Input.FrameLength, read.Ops.Length);
    }

    private static void Define(StringBuilder text, string name, string value) =>
        text.Append("#define ").Append(name).Append(' ').AppendLine(value);

    /// <summary>The transposed rows of the program's Conv2d and Linear weights, laid out as docs/spike-program.md §6.1 says.</summary>
    private static byte[] RowsImage(byte[] program, string source)
    {
        var verified = ProgramVerifier.Verify(SpikeProgramFile.Read(program, source));
        return MemoryPlan.Of(verified, program.LongLength).Transposed.Image(verified.Program);
    }

    internal static string ProgramSource(byte[] program, ProgramNeeds needs, byte[]? image = null)
    {
        var text = new StringBuilder();
        text.AppendLine("/* Generated by neuro firmware: the baked spike program. Do not edit. */");
        text.AppendLine(CultureInfo.InvariantCulture, $"/* program '{needs.Name.Replace("*/", "* /", StringComparison.Ordinal)}', {program.Length} bytes, sha256 {needs.Hash}, arena {needs.ArenaBytes} bytes */");
        text.AppendLine("#include \"nsp_app.h\"");
        text.AppendLine();
        AppendArray(text, "nsp_app_baked_program", program);
        text.AppendLine(CultureInfo.InvariantCulture, $"const uint32_t nsp_app_baked_program_length = {program.Length}u;");
        if (image is not null)
        {
            // The rows the transposed kernels read in place of copying them into SRAM; the runtime compares every byte with
            // the program's weights before using them (nsp_place_weights).
            text.AppendLine();
            AppendArray(text, "nsp_app_weight_image", image);
            text.AppendLine(CultureInfo.InvariantCulture, $"const uint32_t nsp_app_weight_image_length = {image.Length}u;");
        }
        return text.ToString();
    }

    private static void AppendArray(StringBuilder text, string name, byte[] bytes)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"const uint8_t {name}[{bytes.Length}] __attribute__((aligned(4))) = {{");
        for (int offset = 0; offset < bytes.Length; offset += 16)
        {
            text.Append("   ");
            for (int i = offset; i < Math.Min(offset + 16, bytes.Length); i++)
                text.Append(CultureInfo.InvariantCulture, $" 0x{bytes[i]:x2},");
            text.AppendLine();
        }
        text.AppendLine("};");
    }

    /// <summary>The compiler invocation, with paths relative to the firmware folder (so build.sh works wherever the folder goes).</summary>
    internal static IReadOnlyList<string> BuildCommand(BoardDescriptor board, IReadOnlyList<string> sources, KernelChoice kernels)
    {
        var command = new List<string> { board.Toolchain.Compiler };
        command.AddRange(board.Toolchain.CFlags);
        command.AddRange(CommonFlags);
        command.Add($"-DNSP_TRANSPOSED_WEIGHTS={(kernels.TransposedKernels ? 1 : 0)}");
        command.AddRange(IncludeDirectories.Select(directory => $"-I{directory}"));
        command.AddRange(sources);
        if (board.Toolchain.LinkerScript is { } script)
            command.AddRange(["-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", $"-Wl,-T,board/{script}", "-Wl,-Map,firmware.map"]);
        else
            command.Add("-Wl,--gc-sections");
        command.AddRange(["-o", FirmwareFile]);
        return command;
    }

    internal static string SizeTool(BoardDescriptor board) =>
        board.Toolchain.Compiler.EndsWith("gcc", StringComparison.Ordinal)
            ? board.Toolchain.Compiler[..^3] + "size"
            : throw new NeuroException($"board {board.Name}: cannot derive the size tool from compiler '{board.Toolchain.Compiler}'");

    private static string Script(IReadOnlyList<string> command) =>
        "#!/bin/sh\n# Rebuilds firmware.elf from this folder exactly as neuro firmware did.\nset -e\ncd \"$(dirname \"$0\")\"\n"
        + string.Join(" ", command.Select(argument => $"'{argument}'")) + "\n";
}
