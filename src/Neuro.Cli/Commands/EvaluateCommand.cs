using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Errors;
using Neuro.Models;
using Neuro.Models.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro evaluate</c>: test accuracy, confusion matrix and per-layer firing rates of a checkpoint.</summary>
public static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var checkpointPath = new Argument<DirectoryInfo>("checkpoint") { Description = "Checkpoint folder written by 'neuro train'" };
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder; its test split is evaluated", Required = true };
        var cache = DatasetOptions.CreateCacheOption();
        var batch = new Option<int>("--batch") { Description = "Samples per forward pass", DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto", DefaultValueFactory = _ => "cpu" };
        var firingRates = new Option<FileInfo?>("--firing-rates") { Description = "Also write the firing rates as a JSON file (input to 'neuro arch --firing-rates')" };
        var json = JsonOutput.CreateOption();

        var command = new Command("evaluate", "Evaluate a checkpoint on the test split: accuracy, confusion, per-layer firing rates")
        {
            checkpointPath, data, cache, batch, device, firingRates, json,
        };
        VerbAction.Set(command, context, (parseResult, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Open(parseResult.GetValue(checkpointPath)!.FullName);
            if (checkpoint.Metadata.Kind != TrainingMetadata.SpikformerKind)
                throw new NeuroException($"{checkpoint.Directory} is a {checkpoint.Metadata.Kind} checkpoint; evaluate a trained or extracted Spikformer");
            var torchDevice = TorchDevices.Resolve(parseResult.GetValue(device)!);
            using var model = checkpoint.LoadModel();
            if (torchDevice.type != DeviceType.CPU)
                model.to(torchDevice);
            var frames = DatasetOptions.Open(parseResult.GetValue(data)!, parseResult.GetValue(cache), cancellationToken);
            var test = frames.Open(DataSplit.Test, ModelFraming.For(model.Config));
            var result = Evaluator.Evaluate(model, test, frames.ClassNames.Count, parseResult.GetValue(batch), torchDevice, cancellationToken);
            if (parseResult.GetValue(firingRates) is { } ratesFile)
                result.FiringRates.Save(ratesFile.FullName);

            var report = new EvaluationReport(checkpoint.Directory, model.Config.Name, result.Samples, result.Correct, result.Accuracy,
                frames.ClassNames, result.Confusion, result.FiringRates.Values);
            return JsonOutput.Report(context, parseResult.GetValue(json), report, Render);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, EvaluationReport report)
    {
        console.MarkupLine($"[bold]{Markup.Escape(report.Config)}[/]  accuracy [bold]{report.Accuracy:P2}[/] ({report.Correct}/{report.Samples})");
        var confusion = new Table().Border(TableBorder.Simple).AddColumn("true \\ predicted");
        for (int column = 0; column < report.ClassNames.Count; column++)
            confusion.AddColumn(column.ToString(CultureInfo.InvariantCulture));
        for (int row = 0; row < report.ClassNames.Count; row++)
            confusion.AddRow([$"{row} {Markup.Escape(report.ClassNames[row])}", .. report.Confusion[row].Select(count => count.ToString(CultureInfo.InvariantCulture))]);
        console.Write(confusion);
        var rates = new Table().Border(TableBorder.Simple).AddColumns("layer", "firing rate");
        foreach (var (layer, rate) in report.FiringRates)
            rates.AddRow(layer, rate.ToString("F4", CultureInfo.InvariantCulture));
        console.Write(rates);
    }
}

/// <summary>The <c>neuro evaluate --json</c> document: field names are part of the CLI contract.</summary>
/// <param name="Checkpoint">The checkpoint folder.</param>
/// <param name="Config">The architecture's name.</param>
/// <param name="Samples">Test samples evaluated.</param>
/// <param name="Correct">Correctly classified samples.</param>
/// <param name="Accuracy">Correct / samples.</param>
/// <param name="ClassNames">Class names by label.</param>
/// <param name="Confusion">Counts [true class][predicted class].</param>
/// <param name="FiringRates">Mean output per element per step, by LayerTable name (plus <c>input</c>).</param>
public sealed record EvaluationReport(
    string Checkpoint, string Config, int Samples, int Correct, double Accuracy, IReadOnlyList<string> ClassNames, int[][] Confusion,
    IReadOnlyDictionary<string, double> FiringRates);
