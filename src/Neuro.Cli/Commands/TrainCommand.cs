using System.CommandLine;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro train</c>: trains a Spikformer on DVS128 Gesture (real or synthetic) into a checkpoint folder.</summary>
public static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (real, or from 'neuro data synth')", Required = true };
        var cache = DatasetOptions.CreateCacheOption();
        var preset = new Option<string?>("--preset") { Description = $"A named architecture; default {Presets.MicrocontrollerName}" };
        var config = new Option<FileInfo?>("--config") { Description = "An architecture config JSON file" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default 20)" };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default 16)" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation and shuffling", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto", DefaultValueFactory = _ => "cpu" };
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate (default 1e-3)" };
        var from = new Option<DirectoryInfo?>("--from") { Description = "Start from this trained checkpoint's weights (and config) instead of a fresh initialisation" };
        var quantizationAware = new Option<bool>("--quantization-aware")
        {
            Description = "Fine-tune with the compiler's int8 weights in the forward pass so the model agrees with its spike program (use with --from and a small --lr, e.g. 1e-4)",
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Checkpoint folder", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out" };

        var command = new Command("train", "Train a Spikformer with BPTT (AdamW, cosine schedule, label smoothing) into a checkpoint folder")
        {
            data, cache, preset, config, epochs, batch, seed, device, learningRate, from, quantizationAware, output, resume,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var target = parseResult.GetValue(output)!.FullName;
            var torchDevice = TorchDevices.Resolve(parseResult.GetValue(device)!);
            string? presetName = parseResult.GetValue(preset);
            var configFile = parseResult.GetValue(config);
            Checkpoint? checkpoint = null;
            SpikformerModel model;
            TrainingOptions options;
            if (parseResult.GetValue(resume))
            {
                checkpoint = Checkpoint.Open(target);
                if (checkpoint.Metadata.Kind != TrainingMetadata.SpikformerKind)
                    throw new NeuroException($"{target} is a {checkpoint.Metadata.Kind} checkpoint; resume it with 'neuro {checkpoint.Metadata.Kind} train --resume'");
                // A config named next to --resume must be the checkpoint's: LoadInto refuses any other, listing the differences.
                var architecture = presetName is null && configFile is null ? checkpoint.Config : ArchCommand.Resolve(presetName, configFile);
                model = checkpoint.LoadInto(SpikformerModel.Create(architecture));
                options = checkpoint.Metadata.Options;
            }
            else
            {
                if (Directory.Exists(target) && File.Exists(Path.Combine(target, Checkpoint.MetadataFile)))
                    throw new NeuroException($"{target} already holds a checkpoint; add --resume to continue it or choose another --out");
                var start = parseResult.GetValue(from) is { } fromDirectory ? Checkpoint.Open(fromDirectory.FullName) : null;
                if (start is not null && start.Metadata.Kind != TrainingMetadata.SpikformerKind)
                    throw new NeuroException($"--from {start.Directory} is a {start.Metadata.Kind} checkpoint; start from a trained Spikformer");
                var architecture = presetName is null && configFile is null && start is not null
                    ? start.Config
                    : ArchCommand.Resolve(configFile is null ? presetName ?? Presets.MicrocontrollerName : presetName, configFile);
                options = new TrainingOptions { Seed = parseResult.GetValue(seed), QuantizationAware = parseResult.GetValue(quantizationAware) };
                options = options with
                {
                    Epochs = parseResult.GetValue(epochs) ?? options.Epochs,
                    BatchSize = parseResult.GetValue(batch) ?? options.BatchSize,
                    LearningRate = parseResult.GetValue(learningRate) ?? options.LearningRate,
                };
                manual_seed(options.Seed);
                model = SpikformerModel.Create(architecture);
                start?.LoadInto(model);
            }
            using var _ = model;
            if (torchDevice.type != DeviceType.CPU)
                model.to(torchDevice);

            var frames = DatasetOptions.Open(parseResult.GetValue(data)!, parseResult.GetValue(cache), cancellationToken);
            var framing = ModelFraming.For(model.Config);
            var train = frames.Open(DataSplit.Train, framing);
            var test = frames.Open(DataSplit.Test, framing);
            await context.Error.WriteLineAsync(
                $"training {model.Config.Name} on {train.Count} samples (test {test.Count}), {model.parameters().Sum(p => p.numel()):N0} parameters, "
                + $"{options.Epochs} epochs, batch {options.BatchSize}, device {torchDevice}").ConfigureAwait(false);

            var metadata = await TrainingConsole.RunAsync(context, model.Config.Name, progress =>
                Trainer.TrainModel(model, train, test, frames.ClassNames.Count, options,
                    new TrainingRun(target, torchDevice, checkpoint, progress), cancellationToken)).ConfigureAwait(false);
            if (metadata.History.Count > 0)
                context.Console.WriteLine(TrainingConsole.Describe(metadata.History[^1]));
            context.Console.WriteLine($"checkpoint: {target}");
            return 0;
        });
        return command;
    }
}
