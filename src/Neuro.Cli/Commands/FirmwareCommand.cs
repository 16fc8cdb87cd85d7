using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.FirmwareGen;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro firmware [prog.nsp] --board NAME [--baked] --out DIR</c>: generate, build and measure a board's firmware.</summary>
public static class FirmwareCommand
{
    private const int Stages = 3;

    public static Command Create(CliContext context)
    {
        var program = new Argument<FileInfo?>("program") { Description = "Spike program (.nsp): compiled in with --baked, else checked against the loader's slots", Arity = ArgumentArity.ZeroOrOne };
        var board = new Option<string>("--board") { Description = "Board name (neuro board list) or path to a board.json", Required = true };
        var baked = new Option<bool>("--baked") { Description = "Compile the program into flash instead of building a loader firmware" };
        var noLink = new Option<bool>("--no-link") { Description = "Baked only: leave out the serial link (console only), which frees its SRAM for the program's arena" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the sources, build script and firmware.elf", Required = true };
        var key = new Option<FileInfo?>("--key") { Description = "Deploy key file (hex, as neuro deploy --key reads it) provisioned into a loader firmware; required without --baked" };
        var json = JsonOutput.CreateOption();
        var command = new Command("firmware", "Generate the C firmware for a board, build it with the board's toolchain and report its footprint")
        {
            program, board, baked, noLink, output, key, json,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            string boardName = parseResult.GetValue(board)!;
            var descriptor = BoardCatalog.Load(boardName);
            var shape = parseResult.GetValue(baked) ? FirmwareShape.Baked : FirmwareShape.Loader;
            var file = parseResult.GetValue(program);
            if (shape == FirmwareShape.Baked && file is null)
                throw new NeuroException("--baked needs a program (.nsp) argument");
            if (shape == FirmwareShape.Loader && parseResult.GetValue(noLink))
                throw new NeuroException("--no-link is for --baked firmware: a loader receives its programs over the serial link");
            var request = new FirmwareRequest(descriptor, BoardCatalog.DirectoryOf(boardName), shape,
                file is null ? null : await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false),
                file?.FullName ?? "", parseResult.GetValue(output)!.FullName,
                parseResult.GetValue(key) is { } keyFile ? LinkKey.Load(keyFile.FullName) : null,
                Link: !parseResult.GetValue(noLink));

            FirmwareReport report;
            if (context.Interactive && !parseResult.GetValue(json))
            {
                FirmwareReport? built = null;
                await context.Console.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask($"firmware for {Markup.Escape(descriptor.Name)}", maxValue: Stages);
                    var stages = new StageProgress(stage =>
                    {
                        task.Description = Markup.Escape(stage);
                        task.Increment(1);
                    });
                    built = await FirmwareGenerator.GenerateAsync(request, stages, cancellationToken).ConfigureAwait(false);
                    task.Value = Stages;
                }).ConfigureAwait(false);
                report = built!;
            }
            else
            {
                report = await FirmwareGenerator.GenerateAsync(request, null, cancellationToken).ConfigureAwait(false);
            }
            return JsonOutput.Report(context, parseResult.GetValue(json), report, Render);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, FirmwareReport report)
    {
        console.MarkupLine($"[bold]{Markup.Escape(report.Board)}[/] {report.Shape.ToString().ToLowerInvariant()} firmware {report.FirmwareVersion}: {Markup.Escape(report.Firmware)}");
        var table = new Table().Border(TableBorder.Simple).AddColumns("", "bytes");
        table.AddRow("text (code, constants, baked program)", N(report.Footprint.Text));
        table.AddRow("data (initialised RAM)", N(report.Footprint.Data));
        table.AddRow("bss (zeroed RAM, arena, stack)", N(report.Footprint.Bss));
        table.AddRow($"flash used / {N(report.FlashTotal)}", $"{N(report.Footprint.FlashBytes)}  ({N(report.FlashLeft)} left)");
        table.AddRow($"SRAM used / {N(report.SramTotal)}", $"{N(report.Footprint.SramBytes)}  ({N(report.SramLeft)} left)");
        table.AddRow("SRAM reserved for program buffers (arena)", N(report.ArenaBytes));
        if (report.Program is { } program)
        {
            table.AddRow($"program '{Markup.Escape(program.Name)}' buffers need", N(program.ArenaBytes));
            table.AddRow($"program file (sha256 {program.Hash[..12]}…)", N(program.FileBytes));
        }
        console.Write(table);
        console.MarkupLine($"[bold]kernels[/] {Markup.Escape(report.Kernels.Reason)}");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Reports synchronously so stage names reach the bar in order.</summary>
    private sealed class StageProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
