using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Errors;
using Neuro.Models;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using Neuro.Search.Validation;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Cli.Commands;

/// <summary>
/// <c>neuro supernet rank-check</c>: inherited-weight accuracy vs from-scratch accuracy over seeded random subnets,
/// with Kendall τ-b: the reproducible form of the supernet's ranking check in docs/models.md.
/// </summary>
internal static class SupernetRankCheckCommand
{
    public static Command Create(CliContext context)
    {
        var checkpointPath = new Argument<DirectoryInfo>("supernet") { Description = "Supernet checkpoint folder ('neuro supernet train')" };
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (train split for BN recalibration and training, test split for accuracy)", Required = true };
        var cache = DatasetOptions.CreateCacheOption();
        var subnets = new Option<int>("--subnets") { Description = "Distinct random subnets to compare", DefaultValueFactory = _ => 10 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of each from-scratch training", DefaultValueFactory = _ => 80 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 16 };
        var seed = new Option<int>("--seed") { Description = "Seeds the subnet draw and every from-scratch run", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto", DefaultValueFactory = _ => "cpu" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for rank-check.json and the from-scratch checkpoints", Required = true };
        var json = JsonOutput.CreateOption();
        var command = new Command("rank-check",
            "Compare subnet accuracies with inherited weights (BN recalibrated) against the same subnets trained from scratch: Kendall τ-b")
        {
            checkpointPath, data, cache, subnets, epochs, batch, seed, device, output, json,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Open(parseResult.GetValue(checkpointPath)!.FullName);
            if (checkpoint.Space is null)
                throw new NeuroException($"{checkpoint.Directory} is not a supernet checkpoint (no {Checkpoint.SpaceFile})");
            int count = parseResult.GetValue(subnets);
            if (count < 2)
                throw new NeuroException($"--subnets must be at least 2 for a rank correlation, got {count}");
            var torchDevice = TorchDevices.Resolve(parseResult.GetValue(device)!);
            using var supernet = SpikformerSupernet.Wrap(checkpoint.Space, checkpoint.LoadModel());
            if (torchDevice.type != DeviceType.CPU)
                supernet.Model.to(torchDevice);
            var frames = DatasetOptions.Open(parseResult.GetValue(data)!, parseResult.GetValue(cache), cancellationToken);
            var scratch = new TrainingOptions { Epochs = parseResult.GetValue(epochs), BatchSize = parseResult.GetValue(batch), Seed = parseResult.GetValue(seed) };
            string folder = Directory.CreateDirectory(parseResult.GetValue(output)!.FullName).FullName;

            await context.Error.WriteLineAsync(
                $"rank check: {count} subnets of {checkpoint.Space.Name}, {scratch.Epochs} from-scratch epochs each, seed {scratch.Seed}").ConfigureAwait(false);
            var progress = new SynchronousProgress<SubnetRank>(rank => context.Error.WriteLine(FormattableString.Invariant(
                $"{rank.Key}: inherited {rank.InheritedAccuracy:P1}, from scratch {rank.ScratchAccuracy:P1}")));
            var report = await Task.Run(() => SupernetRankCheck.Run(supernet,
                framing => (frames.Open(DataSplit.Train, framing), frames.Open(DataSplit.Test, framing)),
                count, scratch, Path.Combine(folder, "scratch"), torchDevice, progress, cancellationToken), cancellationToken).ConfigureAwait(false);

            string path = Path.Combine(folder, "rank-check.json");
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(report, JsonOutput.Options));
            File.Move(path + ".tmp", path, overwrite: true);
            return JsonOutput.Report(context, parseResult.GetValue(json), report, Render);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, RankCheckReport report)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("subnet", "inherited", "from scratch");
        foreach (var rank in report.Subnets)
            table.AddRow(Markup.Escape(rank.Key), rank.InheritedAccuracy.ToString("P1", CultureInfo.InvariantCulture),
                rank.ScratchAccuracy.ToString("P1", CultureInfo.InvariantCulture));
        console.Write(table);
        string tau = report.KendallTauB is { } value ? value.ToString("F3", CultureInfo.InvariantCulture) : "undefined (no variation)";
        console.MarkupLine($"Kendall τ-b (inherited vs from scratch, {report.Subnets.Count} subnets, {report.ScratchEpochs} epochs): [bold]{tau}[/]");
    }
}
