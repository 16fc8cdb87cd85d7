using System.Text.Json.Serialization;

namespace Neuro.Models.Training;

/// <summary>
/// Hyper-parameters of a training run. Defaults follow the official Spikformer DVS recipe (AdamW, lr 1e-3, weight decay
/// 0.06, label smoothing 0.1, cosine decay per step).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Samples per optimizer step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Peak learning rate, decayed to 0 by a cosine over all steps of all epochs.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.06;

    /// <summary>Label smoothing of the cross-entropy loss.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Seeds the weight initialisation (torch.manual_seed), the per-epoch shuffles and supernet sampling.</summary>
    public int Seed { get; init; }

    /// <summary>Supernet only: train the largest, the smallest and a random subnet on every batch instead of one random one.</summary>
    public bool Sandwich { get; init; }

    /// <summary>
    /// Fine-tune with the compiler's int8 weights in the forward pass (BN folded at its frozen running statistics, weights
    /// and biases rounded to the per-channel grid, straight-through gradients): the model then agrees with its spike program.
    /// Start it from a trained checkpoint with a small learning rate.
    /// </summary>
    public bool QuantizationAware { get; init; }

    /// <summary>The learning rate after <paramref name="step"/> of <paramref name="totalSteps"/> steps.</summary>
    public double LearningRateAt(long step, long totalSteps) =>
        LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / Math.Max(totalSteps, 1)));
}

/// <summary>What one finished epoch measured.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches.</param>
/// <param name="TrainAccuracy">Training accuracy (of the sampled subnets, for a supernet).</param>
/// <param name="TestAccuracy">Test accuracy after the epoch, where a test set was given.</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
/// <param name="SamplesPerSecond">Training samples per second (forward + backward + update).</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double? TestAccuracy, double Seconds, double SamplesPerSecond);

/// <summary>A progress report after each training batch.</summary>
/// <param name="Epoch">Current epoch, from 1.</param>
/// <param name="Epochs">Epochs of the whole run.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean loss so far in this epoch.</param>
/// <param name="Accuracy">Training accuracy so far in this epoch.</param>
/// <param name="SamplesPerSecond">Training speed so far in this epoch.</param>
/// <param name="Eta">Estimated time to the end of the run at the current speed.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double SamplesPerSecond, TimeSpan Eta);

/// <summary>Where a run stands; saved in every checkpoint as <c>training.json</c>.</summary>
/// <param name="Kind"><see cref="SpikformerKind"/> or <see cref="SupernetKind"/>.</param>
/// <param name="Options">The run's hyper-parameters (a resumed run keeps them).</param>
/// <param name="EpochsCompleted">Epochs fully done.</param>
/// <param name="NextBatch">Batches of the next epoch already done (non-zero after Ctrl+C mid-epoch).</param>
/// <param name="History">One entry per completed epoch.</param>
public sealed record TrainingMetadata(
    string Kind, TrainingOptions Options, int EpochsCompleted, int NextBatch, IReadOnlyList<EpochMetrics> History)
{
    /// <summary>A checkpoint of a standalone Spikformer.</summary>
    public const string SpikformerKind = "spikformer";

    /// <summary>A checkpoint of a supernet (with <c>space.json</c>).</summary>
    public const string SupernetKind = "supernet";

    /// <summary>True when every epoch is done.</summary>
    [JsonIgnore]
    public bool Finished => EpochsCompleted >= Options.Epochs;
}
