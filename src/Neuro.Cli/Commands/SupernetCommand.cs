using System.CommandLine;
using Neuro.Cli.Infrastructure;
using Neuro.Core.SearchSpaces;
using Neuro.Core.Errors;
using Neuro.Models;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro supernet train|rank-check</c>: trains a weight-entangled Auto-Spikformer supernet over the microcontroller search space, and checks how it ranks subnets.</summary>
public static class SupernetCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("supernet", "Weight-sharing supernets for architecture search");
        command.Subcommands.Add(CreateTrain(context));
        command.Subcommands.Add(SupernetRankCheckCommand.Create(context));
        return command;
    }

    private static Command CreateTrain(CliContext context)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (real, or from 'neuro data synth')", Required = true };
        var cache = DatasetOptions.CreateCacheOption();
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default 20)" };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default 16)" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling and subnet sampling", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto", DefaultValueFactory = _ => "cpu" };
        var sandwich = new Option<bool>("--sandwich") { Description = "Train largest + smallest + a random subnet per batch instead of one random subnet" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Checkpoint folder", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out" };

        var command = new Command("train", "Train a supernet over the default microcontroller space (embed 16–64, depth 1–2, MLP 1–4, heads 1/2/4, V_th, τ, T 4–8)")
        {
            data, cache, epochs, batch, seed, device, sandwich, output, resume,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var target = parseResult.GetValue(output)!.FullName;
            var torchDevice = TorchDevices.Resolve(parseResult.GetValue(device)!);
            Checkpoint? checkpoint = null;
            SpikformerSupernet supernet;
            TrainingOptions options;
            if (parseResult.GetValue(resume))
            {
                checkpoint = Checkpoint.Open(target);
                if (checkpoint.Space is null)
                    throw new NeuroException($"{target} is not a supernet checkpoint (no {Checkpoint.SpaceFile}); resume it with 'neuro train --resume'");
                supernet = SpikformerSupernet.Wrap(checkpoint.Space, checkpoint.LoadModel());
                options = checkpoint.Metadata.Options;
            }
            else
            {
                if (Directory.Exists(target) && File.Exists(Path.Combine(target, Checkpoint.MetadataFile)))
                    throw new NeuroException($"{target} already holds a checkpoint; add --resume to continue it or choose another --out");
                options = new TrainingOptions { Seed = parseResult.GetValue(seed), Sandwich = parseResult.GetValue(sandwich) };
                options = options with
                {
                    Epochs = parseResult.GetValue(epochs) ?? options.Epochs,
                    BatchSize = parseResult.GetValue(batch) ?? options.BatchSize,
                };
                manual_seed(options.Seed);
                supernet = SpikformerSupernet.Create(SearchSpace.MicrocontrollerDefault);
            }
            using var _ = supernet;
            if (torchDevice.type != DeviceType.CPU)
                supernet.Model.to(torchDevice);

            var frames = DatasetOptions.Open(parseResult.GetValue(data)!, parseResult.GetValue(cache), cancellationToken);
            var space = supernet.Space;
            var train = space.TimeSteps.ToDictionary(steps => steps,
                steps => frames.Open(DataSplit.Train, ModelFraming.For(space.Largest with { TimeSteps = steps })));
            await context.Error.WriteLineAsync(
                $"training supernet {space.Largest.Name} on {train.Values.First().Count} samples, {options.Epochs} epochs, batch {options.BatchSize}"
                + (options.Sandwich ? ", sandwich" : "") + $", device {torchDevice}").ConfigureAwait(false);

            var metadata = await TrainingConsole.RunAsync(context, "supernet", progress =>
                Trainer.TrainSupernet(supernet, train, options, new TrainingRun(target, torchDevice, checkpoint, progress), cancellationToken))
                .ConfigureAwait(false);
            if (metadata.History.Count > 0)
                context.Console.WriteLine(TrainingConsole.Describe(metadata.History[^1]));
            context.Console.WriteLine($"checkpoint: {target}");
            return 0;
        });
        return command;
    }
}
