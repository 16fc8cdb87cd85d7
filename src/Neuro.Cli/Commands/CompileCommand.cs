using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Compiler;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Models.Training;
using Neuro.Program;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro compile</c>: a trained checkpoint to a verified spike program that fits a board.</summary>
public static class CompileCommand
{
    public static Command Create(CliContext context)
    {
        var checkpointPath = new Argument<DirectoryInfo>("checkpoint") { Description = "Checkpoint folder of a trained Spikformer ('neuro train')" };
        var board = new Option<string>("--board") { Description = "Target board name (see 'neuro board list') or a board.json path", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the program (.nsp)", Required = true };
        var data = new Option<DirectoryInfo?>("--data") { Description = "DVS128 Gesture folder: its test split measures float-vs-integer agreement" };
        var cache = DatasetOptions.CreateCacheOption();
        var samples = new Option<int>("--samples") { Description = "Test samples for the agreement report", DefaultValueFactory = _ => 200 };
        var name = new Option<string?>("--name") { Description = "Program name (default: the config's name)" };
        var json = JsonOutput.CreateOption();
        var command = new Command("compile",
            "Quantize a checkpoint into an integer spike program: fold BN, int8 weights per channel, integer LIF thresholds; "
            + "check it fits the board's flash and SRAM; measure agreement with the float model")
        {
            checkpointPath, board, output, data, cache, samples, name, json,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var target = BoardCatalog.Load(parseResult.GetValue(board)!);
            var checkpoint = Checkpoint.Open(parseResult.GetValue(checkpointPath)!.FullName);
            if (checkpoint.Metadata.Kind != TrainingMetadata.SpikformerKind)
                throw new NeuroException($"{checkpoint.Directory} is a {checkpoint.Metadata.Kind} checkpoint; compile a trained or extracted Spikformer");
            using var model = checkpoint.LoadModel();
            model.eval();
            var compiled = SpikformerCompiler.Compile(model, parseResult.GetValue(name));
            byte[] file = SpikeProgramFile.ToBytes(compiled.Program.Program);
            var plan = MemoryPlan.Of(compiled.Program, file.Length);
            // Refused before anything is written: a program that does not fit never reaches a disk a deploy reads from.
            var fit = plan.EnsureFits(target);

            AgreementReport? agreement = null;
            if (parseResult.GetValue(data) is { } dataDirectory)
            {
                var frames = DatasetOptions.Open(dataDirectory, parseResult.GetValue(cache), cancellationToken);
                var test = frames.Open(DataSplit.Test, ModelFraming.For(model.ActiveConfig));
                int count = Math.Min(parseResult.GetValue(samples), test.Count);
                agreement = await RunWithProgress(context, count, progress =>
                    Agreement.Measure(model, compiled.Program, test, count, progress, cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                context.Error.WriteLine("warning: no --data given, so float-vs-integer agreement was not measured");
            }

            string path = parseResult.GetValue(output)!.FullName;
            SpikeProgramFile.Save(file, path);
            var report = new CompileReport(path, SpikeProgramFile.HashOf(file), compiled.Program.Program.Name, target.Name, plan, fit,
                compiled.Layers, agreement);
            return JsonOutput.Report(context, parseResult.GetValue(json), report, Render);
        });
        return command;
    }

    private static async Task<AgreementReport> RunWithProgress(CliContext context, int count, Func<IProgress<int>, AgreementReport> measure)
    {
        if (!context.Interactive)
            return await Task.Run(() => measure(new Progress<int>())).ConfigureAwait(false);
        AgreementReport? result = null;
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("float vs integer", maxValue: count);
                result = await Task.Run(() => measure(new SynchronousProgress<int>(done => task.Value = done))).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result!;
    }

    internal static void RenderPlan(IAnsiConsole console, MemoryPlan plan, BoardFit? fit)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("op", "flash B", "step SRAM B", "state SRAM B");
        foreach (var line in plan.Lines)
            table.AddRow(Markup.Escape(line.Op), Count(line.FlashBytes), Count(line.StepSramBytes), Count(line.PersistentSramBytes));
        console.Write(table);
        console.MarkupLine($"flash [bold]{Count(plan.FlashBytes)}[/] B (tensors {Count(plan.TensorBytes)} B, tables {Count(plan.TableBytes)} B)   "
            + $"SRAM arena [bold]{Count(plan.ArenaBytes)}[/] B");
        if (fit is not null)
        {
            console.MarkupLine($"board [bold]{Markup.Escape(fit.Board)}[/]: flash {Count(fit.FlashBytes)} of {Count(fit.FlashAvailable)} B "
                + $"({Percent(fit.FlashBytes, fit.FlashAvailable)}), SRAM {Count(fit.SramBytes)} of {Count(fit.SramAvailable)} B "
                + $"({Percent(fit.SramBytes, fit.SramAvailable)}) {(fit.Fits ? "[green]fits[/]" : "[red]does not fit[/]")}");
        }
    }

    private static void Render(IAnsiConsole console, CompileReport report)
    {
        console.MarkupLine($"[bold]{Markup.Escape(report.Program)}[/] → {Markup.Escape(report.Path)}  sha256 {report.Hash}");
        var layers = new Table().Border(TableBorder.Simple).AddColumns("layer", "LIF", "scale", "max |w err|", "F", "k", "θ", "|acc| bound");
        foreach (var layer in report.Layers)
        {
            layers.AddRow(Markup.Escape(layer.Name), Markup.Escape(layer.Lif), Invariant($"{layer.ScaleMin:G3}–{layer.ScaleMax:G3}"),
                Invariant($"{layer.MaxWeightError:G3}"), Count(layer.FractionalBits), Count(layer.Leak),
                Invariant($"{layer.ThresholdMin}–{layer.ThresholdMax}"), Count(layer.AccumulatorBound));
        }
        console.Write(layers);
        RenderPlan(console, report.Memory, report.Fit);
        if (report.Agreement is not { } agreement)
            return;
        var drift = new Table().Border(TableBorder.Simple).AddColumns("layer", "float rate", "integer rate", "drift");
        foreach (var layer in agreement.Layers)
            drift.AddRow(Markup.Escape(layer.Layer), Invariant($"{layer.FloatRate:F4}"), Invariant($"{layer.IntegerRate:F4}"), Invariant($"{layer.Drift:+0.0000;-0.0000}"));
        console.Write(drift);
        string clamped = agreement.ClampedInputValues > 0 ? Invariant($"   {agreement.ClampedInputValues} input counts clamped at 255") : "";
        console.MarkupLine(Invariant(
            $"agreement [bold]{agreement.Agreement:P2}[/] ({agreement.Agreements}/{agreement.Samples})   float accuracy {agreement.FloatAccuracy:P2}   integer accuracy {agreement.IntegerAccuracy:P2}   drop {agreement.AccuracyDropPoints:F2} pp") + clamped);
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(long used, long available) => available == 0 ? "∞" : ((double)used / available).ToString("P1", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The <c>neuro compile --json</c> document.</summary>
/// <param name="Path">Where the program was written.</param>
/// <param name="Hash">Hex SHA-256 of its body.</param>
/// <param name="Program">Program name.</param>
/// <param name="Board">Target board.</param>
/// <param name="Memory">Flash and SRAM per op and in total.</param>
/// <param name="Fit">The plan against the board.</param>
/// <param name="Layers">Per synaptic layer: scales, weight error, LIF integers.</param>
/// <param name="Agreement">Float vs integer on the test split; null without <c>--data</c>.</param>
public sealed record CompileReport(
    string Path, string Hash, string Program, string Board, MemoryPlan Memory, BoardFit Fit, IReadOnlyList<LayerQuantization> Layers,
    AgreementReport? Agreement);
