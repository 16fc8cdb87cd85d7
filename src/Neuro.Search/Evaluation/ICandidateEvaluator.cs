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

    /// <summary>Cycles measured on a board times the board's energy per cycle (a board evaluation carries it as <see cref="CandidateEvaluation.MeasuredEnergyPicojoules"/>, beside the host estimate).</summary>
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

    /// <summary>
    /// Cycles per sample this evaluator measured: the simulator's cycle model (simulator evaluator) or the board's cycle
    /// counter (board evaluator; instructions under QEMU <c>-icount</c>); null when not measured.
    /// </summary>
    public double? Cycles { get; init; }

    /// <summary><see cref="Cycles"/> at the clock they were counted at (the simulated hardware's or the board's), seconds per sample.</summary>
    public double? LatencySeconds { get; init; }

    /// <summary>The simulator's cycles per sample when a board evaluator also ran the compiled program in the simulator (the host estimate beside the board's figure).</summary>
    public double? SimulatorCycles { get; init; }

    /// <summary>Board energy per sample in pJ: measured <see cref="Cycles"/> × the board's energy per cycle, when board.json gives one.</summary>
    public double? MeasuredEnergyPicojoules { get; init; }

    /// <summary>The figure fitness, fronts and hypervolume minimise; null means <see cref="CostAxis.Energy"/> (the host estimate).</summary>
    public CostAxis? Cost { get; init; }

    /// <summary>Why the evaluation failed (e.g. the board stopped answering twice); null when it succeeded. A failed candidate is never a parent and never on a front.</summary>
    public string? Failed { get; init; }

    /// <summary>The value on the cost axis: energy (pJ), measured board energy (pJ) or measured latency (s).</summary>
    [JsonIgnore]
    public double CostValue => (Cost ?? CostAxis.Energy) switch
    {
        CostAxis.Energy => EnergyPicojoules,
        CostAxis.BoardEnergy => MeasuredEnergyPicojoules ?? throw new InvalidOperationException("a board-energy cost axis without a measured energy"),
        CostAxis.Latency => LatencySeconds ?? throw new InvalidOperationException("a latency cost axis without a measured latency"),
        _ => throw new InvalidOperationException($"unknown cost axis {Cost}"),
    };

    /// <summary>An evaluation that could not be completed: no figures (0 pJ in the evaluator's <paramref name="energy"/> mode), only the reason.</summary>
    public static CandidateEvaluation Failure(string reason, EnergyMode energy, long parameters, double seconds) =>
        new(null, null, 0, energy, parameters, seconds) { Failed = reason };
}

/// <summary>What the fitness's cost term (the axis minimised beside the score) measures.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CostAxis>))]
public enum CostAxis
{
    /// <summary><see cref="CandidateEvaluation.EnergyPicojoules"/>: the evaluator's energy in pJ per sample.</summary>
    Energy,

    /// <summary><see cref="CandidateEvaluation.MeasuredEnergyPicojoules"/>: board cycles × energy per cycle, pJ per sample.</summary>
    BoardEnergy,

    /// <summary><see cref="CandidateEvaluation.LatencySeconds"/>: measured seconds per sample at the board's clock.</summary>
    Latency,
}

/// <summary>
/// Evaluates architectures for search. Implementations: <see cref="TrainingFreeEvaluator"/> (AutoST: FLOPs proxy,
/// energy from firing rates at initialisation) and <see cref="SupernetEvaluator"/> (Auto-Spikformer: inherited
/// weights, BN recalibrated, accuracy and measured energy); in Neuro.Search.InTheLoop (which keeps the simulator, the
/// link and the firmware generator out of this project) the simulator evaluator (<see cref="EnergyMode.Simulator"/>
/// energy and cycles of the compiled program) and the board evaluator (host score and energy plus cycles and latency
/// measured over the serial link, <see cref="CandidateEvaluation.Cost"/> on the board's axis). An evaluation that
/// cannot complete returns <see cref="CandidateEvaluation.Failure"/> rather than throwing, so the search goes on.
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
