using System.Text.Json.Serialization;
using Neuro.Core.Architecture;

namespace Neuro.Search.Evaluation;

/// <summary>Where an evaluation's energy figure comes from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EnergyMode>))]
public enum EnergyMode
{
    /// <summary>The seeds' formula (paper mode) with firing rates of the randomly initialised network (AutoST).</summary>
    PaperAtInitialisation,

    /// <summary>The seeds' formula with firing rates measured on validation samples with trained (inherited) weights.</summary>
    PaperMeasured,

    /// <summary>Counted by the simulator running the compiled spike program.</summary>
    Simulator,

    /// <summary>Cycles measured on a board times the board's energy per cycle.</summary>
    Board,
}

/// <summary>
/// What one evaluation of a candidate gives. Search maximises <see cref="Score"/> and minimises
/// <see cref="EnergyPicojoules"/>.
/// </summary>
/// <param name="Accuracy">Validation accuracy in [0, 1] when the evaluator measures one, else null.</param>
/// <param name="Proxy">The training-free score (AutoST: FLOPs per sample) when the evaluator computes one, else null.</param>
/// <param name="EnergyPicojoules">Energy per sample in pJ.</param>
/// <param name="Energy">How <paramref name="EnergyPicojoules"/> was obtained.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Seconds">Wall time of this evaluation.</param>
public sealed record CandidateEvaluation(double? Accuracy, double? Proxy, double EnergyPicojoules, EnergyMode Energy, long Parameters, double Seconds)
{
    /// <summary>The figure fitness normalises: accuracy when measured, else the proxy.</summary>
    [JsonIgnore]
    public double Score => Accuracy ?? Proxy ?? throw new InvalidOperationException("an evaluation has neither accuracy nor proxy");
}

/// <summary>
/// Evaluates architectures for search. Implementations: <see cref="TrainingFreeEvaluator"/> (AutoST: FLOPs proxy,
/// energy from firing rates at initialisation) and <see cref="SupernetEvaluator"/> (Auto-Spikformer: inherited
/// weights, BN recalibrated, accuracy and measured energy). A simulator evaluator (energy and cycles of the compiled
/// program) and a board-in-the-loop evaluator (cycles over the serial link) implement the same interface, returning
/// <see cref="EnergyMode.Simulator"/> or <see cref="EnergyMode.Board"/>; their board figures come through
/// <see cref="Constraints.IFootprintEstimator"/>.
/// </summary>
public interface ICandidateEvaluator
{
    /// <summary>Short name written in outputs (<c>autost</c>, <c>supernet</c>, …).</summary>
    string Method { get; }

    /// <summary>
    /// Evaluates <paramref name="config"/>. Must be deterministic: the same config gives the same figures (except
    /// <see cref="CandidateEvaluation.Seconds"/>), which is what makes a resumed search equal an uninterrupted one.
    /// </summary>
    CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken);
}
