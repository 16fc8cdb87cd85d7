using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Pipeline;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary>
/// <c>neuro demo</c>: the whole pipeline on embedded defaults, with no hardware and no download (Neuro.Pipeline does
/// the work; this verb shows its progress and the summary).
/// </summary>
public static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Report folder; must be absent or empty", DefaultValueFactory = _ => new DirectoryInfo("neuro-demo") };
        var board = new Option<string>("--board") { Description = "Board to search, compile and build for (neuro board list)", DefaultValueFactory = _ => DemoOptions.DefaultBoard };
        var quick = new Option<bool>("--quick") { Description = "The reduced sizes CI runs (fewer samples, candidates and epochs)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the data, search, initialisation and shuffles", DefaultValueFactory = _ => 1 };
        var hostBoard = new Option<bool>("--host-board") { Description = "Run the firmware on the host build even when the board has an emulator" };
        var json = JsonOutput.CreateOption();
        var command = new Command("demo",
            "Synthetic DVS gestures → AutoST search → training → compile → simulator audit → firmware → emulated board → deploy → stream → report.html")
        {
            output, board, quick, seed, hostBoard, json,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var options = new DemoOptions
            {
                OutputDirectory = parseResult.GetValue(output)!.FullName,
                Board = parseResult.GetValue(board)!,
                Sizes = parseResult.GetValue(quick) ? DemoSizes.Quick : DemoSizes.Full,
                Seed = parseResult.GetValue(seed),
                ForceHostBoard = parseResult.GetValue(hostBoard),
            };
            bool asJson = parseResult.GetValue(json);
            void Note(DemoNote note) => context.Error.WriteLine($"note: {note.Text}");
            DemoSummary summary;
            if (context.Interactive && !asJson)
            {
                summary = null!;
                await context.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bars = new StageBars(progress);
                        var pipeline = new DemoPipeline(options, bars, Note);
                        summary = await Task.Run(() => pipeline.RunAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                var pipeline = new DemoPipeline(options, asJson ? null : new StageLines(context.Error), Note);
                summary = await Task.Run(() => pipeline.RunAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            return JsonOutput.Report(context, asJson, summary, (console, s) => Render(console, s, options.OutputDirectory));
        });
        return command;
    }

    private static void Render(IAnsiConsole console, DemoSummary s, string directory)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Simple).AddColumns("", "");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("model", $"{s.Model.Config}: {s.Model.Parameters:N0} parameters, T = {s.Model.TimeSteps}, {s.Model.Epochs} + {s.Model.QuantizationAwareEpochs} quantization-aware epochs");
        Row("board", s.RanOnReason is null ? $"{s.Board} ({s.Emulator})" : $"{s.Board}, run on {s.RanOn}: {s.RanOnReason}");
        Row("accuracy", string.Create(c, $"float {s.Accuracy.Float:P1}, integer {s.Accuracy.Integer:P1}, simulator {s.Accuracy.Simulator:P1}, on board {s.Accuracy.OnBoard:P1} ({s.Accuracy.StreamedSamples} samples)"));
        Row("board = simulator", $"{s.Accuracy.BoardMatchesSimulator} of {s.Accuracy.StreamedSamples} samples (logits and class)");
        Row("energy / inference", string.Create(c, $"paper {s.Energy.PaperPicojoules / 1e6:G4} µJ, full {s.Energy.FullPicojoules / 1e6:G4} µJ, board ")
            + (s.Energy.BoardPicojoules is { } board ? string.Create(c, $"{board / 1e6:G4} µJ") : $"none ({s.Energy.BoardReason})"));
        Row("on the board", (s.OnBoard.Instructions is { } instructions ? string.Create(c, $"{instructions:N0} instructions") : $"no instruction count ({s.OnBoard.InstructionsReason})")
            + string.Create(c, $"; {s.OnBoard.Counter:N0} {s.OnBoard.CounterUnit}; {s.OnBoard.MeanLatencyMs:F1} ms per sample over the link"));
        Row("flash", string.Create(c, $"{s.Memory.FirmwareFlashBytes:N0} of {s.Memory.FlashBytes:N0} B (firmware); program {s.Memory.ProgramFileBytes:N0} of {s.Memory.ProgramSlotBytes:N0} B slot"));
        Row("SRAM", string.Create(c, $"{s.Memory.FirmwareSramBytes:N0} of {s.Memory.SramBytes:N0} B (firmware); program buffers {s.Memory.ProgramArenaBytes:N0} of {s.Memory.ArenaBytes:N0} B arena"));
        Row("stages", string.Join(", ", s.Stages.Select(t => string.Create(c, $"{t.Stage} {t.Seconds:F1} s"))) + string.Create(c, $"; total {s.TotalSeconds:F1} s"));
        console.Write(table);
        console.MarkupLine($"report: [bold]{Markup.Escape(Path.Combine(directory, DemoPipeline.ReportFile))}[/]");
    }

    /// <summary>One bar per stage, added when the stage starts.</summary>
    private sealed class StageBars(ProgressContext context) : IProgress<DemoProgress>
    {
        private readonly Dictionary<DemoStage, ProgressTask> _tasks = [];

        public void Report(DemoProgress value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Stage, out var task))
                    _tasks[value.Stage] = task = context.AddTask(Name(value.Stage));
                task.MaxValue = Math.Max(value.Total, 1e-9);
                task.Value = value.Done;
                task.Description = Markup.Escape($"{Name(value.Stage)}: {value.Detail}");
            }
        }
    }

    /// <summary>For logs and redirected output: a line when a stage starts, at most one every few seconds while it runs, and one when it ends.</summary>
    private sealed class StageLines(TextWriter output) : IProgress<DemoProgress>
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
        private readonly System.Diagnostics.Stopwatch _sinceLine = System.Diagnostics.Stopwatch.StartNew();
        private DemoStage? _current;

        public void Report(DemoProgress value)
        {
            lock (output)
            {
                bool ended = value.Done >= value.Total && value.Detail.StartsWith("done", StringComparison.Ordinal);
                if (_current == value.Stage && !ended && _sinceLine.Elapsed < Interval)
                    return;
                _current = value.Stage;
                _sinceLine.Restart();
                output.WriteLine($"{Name(value.Stage)}: {value.Detail}");
            }
        }
    }

    private static string Name(DemoStage stage) => stage.ToString().ToLowerInvariant();
}
