using Neuro.Core.SearchSpaces;
using System.Diagnostics;
using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using Neuro.Models.Supernet;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Training;

/// <summary>Where a training run writes, and how it reports and stops.</summary>
/// <param name="CheckpointDirectory">The checkpoint folder, rewritten after every epoch and on cancellation.</param>
/// <param name="Device">Where the model and batches live.</param>
/// <param name="Resume">Continue from the checkpoint in <paramref name="CheckpointDirectory"/> (its metadata and optimizer state).</param>
/// <param name="Progress">Receives a report after every batch.</param>
public sealed record TrainingRun(string CheckpointDirectory, Device Device, Checkpoint? Resume = null, IProgress<TrainingProgress>? Progress = null);

/// <summary>
/// Backpropagation through time over the T steps of every sample (the LIF loop is unrolled in the autograd graph),
/// AdamW with a per-step cosine learning rate, label-smoothed cross-entropy. Shuffles are seeded by (seed, epoch), so
/// a run resumed from a checkpoint, even one saved mid-epoch by Ctrl+C, sees the same batches as an uninterrupted one.
/// </summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> (already on <see cref="TrainingRun.Device"/>) and returns the final metadata.</summary>
    /// <param name="model">The model; with <see cref="TrainingRun.Resume"/> its weights must already come from that checkpoint.</param>
    /// <param name="train">Training samples framed for the model's config.</param>
    /// <param name="test">Test samples evaluated after every epoch, or null.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="options">Hyper-parameters; ignored when resuming (the checkpoint's are kept).</param>
    /// <param name="run">Checkpoint folder, device, resume state and progress.</param>
    /// <param name="cancellationToken">Ctrl+C: saves a checkpoint, then throws <see cref="OperationCanceledException"/>.</param>
    public static TrainingMetadata TrainModel(SpikformerModel model, IFramedSamples train, IFramedSamples? test, int classes,
        TrainingOptions options, TrainingRun run, CancellationToken cancellationToken)
    {
        var state = run.Resume?.Metadata ?? new TrainingMetadata(TrainingMetadata.SpikformerKind, options, 0, 0, []);
        model.QuantizationAware = state.Options.QuantizationAware;
        return Loop(model, state, train.Count, run, cancellationToken, space: null,
            step: (optimizer, indices, _) =>
            {
                var (frames, labels) = Batches.Load(train, indices, run.Device);
                return Step(model, optimizer, frames, labels, state.Options);
            },
            // The test pass is not cancellable: it is short, and the epoch it measures is only saved once it ends; a
            // Ctrl+C during it is honoured right after the epoch's checkpoint.
            testAccuracy: test is null
                ? () => null
                : () => Evaluator.Evaluate(model, test, classes, state.Options.BatchSize, run.Device).Accuracy);
    }

    /// <summary>
    /// Trains a supernet: every batch samples a subnet uniformly from the space (or, with <see cref="TrainingOptions.Sandwich"/>,
    /// the largest, the smallest and a random one, gradients summed) and steps the shared weights. Threshold, τ and T
    /// are drawn with the subnet: the "alternate choice" method, one discrete choice per step.
    /// </summary>
    /// <param name="supernet">The supernet, on <see cref="TrainingRun.Device"/>.</param>
    /// <param name="train">Training samples framed for each T of the space (same samples, same order in each).</param>
    /// <param name="options">Hyper-parameters; ignored when resuming.</param>
    /// <param name="run">Checkpoint folder, device, resume state and progress.</param>
    /// <param name="cancellationToken">Ctrl+C: saves a checkpoint, then throws <see cref="OperationCanceledException"/>.</param>
    public static TrainingMetadata TrainSupernet(SpikformerSupernet supernet, IReadOnlyDictionary<int, IFramedSamples> train,
        TrainingOptions options, TrainingRun run, CancellationToken cancellationToken)
    {
        var state = run.Resume?.Metadata ?? new TrainingMetadata(TrainingMetadata.SupernetKind, options, 0, 0, []);
        var space = supernet.Space;
        return Loop(supernet.Model, state, train.Values.First().Count, run, cancellationToken, space,
            step: (optimizer, indices, position) =>
            {
                var random = new Random(Batches.DeriveSeed(state.Options.Seed, position.Epoch, position.Batch));
                var subnets = state.Options.Sandwich ? [space.Largest, space.Smallest, space.Sample(random)] : new[] { space.Sample(random) };
                optimizer.zero_grad();
                double loss = 0;
                int correct = 0;
                foreach (var subnet in subnets)
                {
                    supernet.Activate(subnet);
                    var (frames, labels) = Batches.Load(train[subnet.TimeSteps], indices, run.Device);
                    var (subnetLoss, subnetCorrect) = Accumulate(supernet.Model, frames, labels, state.Options);
                    loss += subnetLoss / subnets.Length;
                    correct += subnetCorrect;
                }
                optimizer.step();
                return (loss, (double)correct / subnets.Length);
            },
            testAccuracy: () => null);
    }

    private readonly record struct Position(int Epoch, int Batch);

    private static TrainingMetadata Loop(SpikformerModel model, TrainingMetadata state, int sampleCount, TrainingRun run,
        CancellationToken cancellationToken, SearchSpace? space,
        Func<OptimizerHelper, int[], Position, (double Loss, double Correct)> step, Func<double?> testAccuracy)
    {
        var options = state.Options;
        var optimizer = optim.AdamW(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        if (run.Resume?.OptimizerStatePath is { } optimizerState)
            optimizer.load_state_dict(optimizerState);
        int batchesPerEpoch = (sampleCount + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)batchesPerEpoch * options.Epochs;
        var history = state.History.ToList();
        // Speed counts training steps only (not the per-epoch test evaluation), so samples/s and the ETA describe training.
        var stepClock = new Stopwatch();
        long samplesThisRun = 0;

        for (int epoch = state.EpochsCompleted; epoch < options.Epochs; epoch++)
        {
            var batches = Batches.Split(Batches.Shuffle(sampleCount, options.Seed, epoch), options.BatchSize);
            int first = epoch == state.EpochsCompleted ? state.NextBatch : 0;
            double lossSum = 0, correct = 0;
            int seen = 0;
            var epochStart = stepClock.Elapsed;
            model.train();
            for (int batch = first; batch < batches.Count; batch++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    Checkpoint.Save(run.CheckpointDirectory, model, state with { EpochsCompleted = epoch, NextBatch = batch, History = history },
                        optimizer, space);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = options.LearningRateAt((long)epoch * batchesPerEpoch + batch, totalSteps);
                stepClock.Start();
                using (var scope = NewDisposeScope())
                {
                    var (loss, batchCorrect) = step(optimizer, batches[batch], new Position(epoch, batch));
                    lossSum += loss * batches[batch].Length;
                    correct += batchCorrect;
                }
                stepClock.Stop();
                seen += batches[batch].Length;
                samplesThisRun += batches[batch].Length;
                double speed = samplesThisRun / stepClock.Elapsed.TotalSeconds;
                long remaining = (long)(options.Epochs - epoch - 1) * sampleCount + (sampleCount - Math.Min(sampleCount, (batch + 1) * options.BatchSize));
                run.Progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, batch + 1, batches.Count, lossSum / seen, correct / seen,
                    speed, TimeSpan.FromSeconds(remaining / speed)));
            }
            double seconds = (stepClock.Elapsed - epochStart).TotalSeconds;
            history.Add(new EpochMetrics(epoch + 1, lossSum / Math.Max(seen, 1), correct / Math.Max(seen, 1), testAccuracy(), seconds,
                seen / seconds));
            state = state with { EpochsCompleted = epoch + 1, NextBatch = 0, History = history.ToArray() };
            Checkpoint.Save(run.CheckpointDirectory, model, state, optimizer, space);
        }
        return state;
    }

    private static (double Loss, double Correct) Step(SpikformerModel model, OptimizerHelper optimizer, Tensor frames, Tensor labels,
        TrainingOptions options)
    {
        optimizer.zero_grad();
        var result = Accumulate(model, frames, labels, options);
        optimizer.step();
        return result;
    }

    /// <summary>Forward, loss and backward (gradients add up); returns the loss and the number of correct predictions.</summary>
    private static (double Loss, int Correct) Accumulate(SpikformerModel model, Tensor frames, Tensor labels, TrainingOptions options)
    {
        var logits = model.forward(frames);
        var loss = nn.functional.cross_entropy(logits, labels, label_smoothing: options.LabelSmoothing);
        loss.backward();
        int correct = (int)logits.argmax(1).eq(labels).sum().item<long>();
        return (loss.item<float>(), correct);
    }
}
