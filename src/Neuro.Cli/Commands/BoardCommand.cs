using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.FirmwareGen;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro board list</c> and <c>neuro board run NAME [--firmware ELF]</c>.</summary>
public static class BoardCommand
{
    private static readonly TimeSpan CancellationGrace = TimeSpan.FromSeconds(2);

    public static Command Create(CliContext context)
    {
        var command = new Command("board", "List boards and run emulated ones");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateRun(context));
        command.Subcommands.Add(LinkCommands.CreateBoardInfo(context));
        return command;
    }

    /// <summary>One row of <c>neuro board list</c>.</summary>
    public sealed record BoardRow(string Name, string Core, long ClockHz, long FlashBytes, long SramBytes, long ProgramFlashBytes, long ProgramSramBytes,
        string? Emulator, double? PicojoulesPerCycle, string Description);

    private static Command CreateList(CliContext context)
    {
        var json = JsonOutput.CreateOption();
        var command = new Command("list", "Boards with their core, clock, memories, what programs may use, emulator and energy per cycle") { json };
        VerbAction.Set(command, context, (parseResult, _) =>
        {
            var rows = BoardCatalog.List().Select(board => new BoardRow(board.Name, board.Core, board.ClockHz, board.Flash.Bytes, board.Sram.Bytes,
                board.ProgramFlashBytes, board.ProgramSramBytes, board.Emulator?.Kind == "qemu" ? $"qemu {board.Emulator.Machine}" : board.Emulator?.Kind,
                board.Energy?.JoulesPerCycle * 1e12, board.Description)).ToList();
            return JsonOutput.Report(context, parseResult.GetValue(json), rows, Render);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, IReadOnlyList<BoardRow> rows)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("board", "core", "clock MHz", "flash KiB", "SRAM KiB", "program flash KiB", "program SRAM KiB", "emulator", "pJ/cycle");
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.Name), row.Core, F(row.ClockHz / 1e6), K(row.FlashBytes), K(row.SramBytes),
                K(row.ProgramFlashBytes), K(row.ProgramSramBytes), Markup.Escape(row.Emulator ?? "—"), row.PicojoulesPerCycle is { } pj ? F(pj) : "—");
        }
        console.Write(table);
    }

    private static Command CreateRun(CliContext context)
    {
        var name = new Argument<string>("board") { Description = "Board with an emulator (qemu or host)" };
        var firmware = new Option<FileInfo?>("--firmware") { Description = "Firmware to run (default: a loader firmware built now into a temporary folder)" };
        var serial = new Option<string?>("--serial") { Description = "Path of the serial-port symlink (default: $XDG_RUNTIME_DIR or /tmp, neuro-<board>.pty)" };
        var key = new Option<FileInfo?>("--key") { Description = "Deploy key file provisioned into the loader firmware built when --firmware is not given" };
        var command = new Command("run", "Start an emulated board and print its serial port; runs until Ctrl+C") { name, firmware, serial, key };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            string boardName = parseResult.GetValue(name)!;
            var board = BoardCatalog.Load(boardName);
            if (board.Emulator is null)
                throw new NeuroException($"board {board.Name} has no emulator: it only builds here (neuro firmware --board {board.Name})");
            string? temporary = null;
            string elf;
            if (parseResult.GetValue(firmware) is { } given)
            {
                elf = given.FullName;
            }
            else
            {
                temporary = Path.Combine(Path.GetTempPath(), $"neuro-board-{board.Name}-{Environment.ProcessId}");
                var built = await FirmwareGenerator.GenerateAsync(
                    new FirmwareRequest(board, BoardCatalog.DirectoryOf(boardName), FirmwareShape.Loader, null, "", temporary,
                        parseResult.GetValue(key) is { } keyFile ? LinkKey.Load(keyFile.FullName) : null), null, cancellationToken).ConfigureAwait(false);
                elf = built.Firmware;
            }
            try
            {
                string path = parseResult.GetValue(serial) ?? EmulatedBoard.DefaultSerialPath(board.Name);
                // QEMU boards count instructions (-icount shift=0), so SysTick readings over the link are deterministic instruction counts.
                using var running = await EmulatedBoard.StartAsync(board, elf, path, cancellationToken, instructionCounting: true).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"serial {running.SerialPath}").ConfigureAwait(false);
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                // Ctrl+C stops the board at once and the CLI's cancellation arrives just after; a SIGINT sent to the whole
                // process group may even stop the emulator before this process sees it, so give the cancellation a moment.
                await Task.Delay(running.Interrupted ? Timeout.InfiniteTimeSpan : CancellationGrace, cancellationToken).ConfigureAwait(false);
                throw new NeuroException($"board {board.Name} stopped on its own");
            }
            finally
            {
                if (temporary is not null && Directory.Exists(temporary))
                    Directory.Delete(temporary, recursive: true);
            }
        });
        return command;
    }

    private static string K(long bytes) => (bytes / 1024.0).ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
