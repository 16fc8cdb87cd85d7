using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.Search.Constraints;

/// <summary>Whether a candidate may be on the front, and why not.</summary>
/// <param name="Footprint">The estimated board figures.</param>
/// <param name="Violations">Empty when feasible; else one line per limit broken, with the numbers.</param>
public sealed record Feasibility(Footprint Footprint, IReadOnlyList<string> Violations)
{
    public bool Feasible => Violations.Count == 0;

    /// <summary>Latency in seconds at the board's clock, when cycles are known.</summary>
    public double? LatencySeconds { get; init; }
}

/// <summary>
/// Hard constraints of a target board: a candidate whose program does not fit the flash or SRAM left to programs
/// (<see cref="BoardDescriptor.ProgramFlashBytes"/>, <see cref="BoardDescriptor.ProgramSramBytes"/>) or whose latency
/// exceeds the budget is infeasible. Infeasible candidates are never evaluated for fitness, never parents and never on
/// a front: they are not "penalised into" it.
/// </summary>
public sealed class BoardConstraints
{
    /// <param name="board">The target board.</param>
    /// <param name="estimator">Gives flash, SRAM and (for a latency budget) cycles.</param>
    /// <param name="latencyBudgetSeconds">Largest latency per sample allowed, or null for none.</param>
    /// <param name="measuredLatency">The evaluator measures latency on the board (<see cref="Evaluation.CandidateEvaluation.LatencySeconds"/>):
    /// the budget is then checked on the measurement after evaluation (<see cref="CheckMeasured"/>) instead of on the estimator's cycles.</param>
    public BoardConstraints(BoardDescriptor board, IFootprintEstimator estimator, double? latencyBudgetSeconds = null, bool measuredLatency = false)
    {
        if (latencyBudgetSeconds is <= 0)
            throw new NeuroException($"latency budget must be positive, got {latencyBudgetSeconds} s");
        Board = board;
        Estimator = estimator;
        LatencyBudgetSeconds = latencyBudgetSeconds;
        MeasuredLatency = measuredLatency;
    }

    public BoardDescriptor Board { get; }

    public IFootprintEstimator Estimator { get; }

    public double? LatencyBudgetSeconds { get; }

    /// <summary>True when the latency budget applies to the evaluator's board measurement rather than to estimated cycles.</summary>
    public bool MeasuredLatency { get; }

    /// <exception cref="NeuroException">A latency budget is set but the estimator gives no cycles.</exception>
    public Feasibility Check(ArchitectureConfig config)
    {
        var footprint = Estimator.Estimate(config);
        var violations = new List<string>();
        if (footprint.FlashBytes > Board.ProgramFlashBytes)
            violations.Add($"flash {footprint.FlashBytes} B > {Board.ProgramFlashBytes} B available on {Board.Name}");
        if (footprint.PeakSramBytes > Board.ProgramSramBytes)
            violations.Add($"SRAM {footprint.PeakSramBytes} B > {Board.ProgramSramBytes} B available on {Board.Name}");
        double? latency = footprint.CyclesPerSample is long cycles ? (double)cycles / Board.ClockHz : null;
        if (LatencyBudgetSeconds is double budget && !MeasuredLatency)
        {
            if (latency is null)
                throw new NeuroException($"a latency budget needs cycles, but footprint estimator '{Estimator.Name}' gives none");
            if (latency > budget)
                violations.Add($"latency {latency * 1e3:0.###} ms > budget {budget * 1e3:0.###} ms at {Board.ClockHz} Hz");
        }
        return new Feasibility(footprint, violations) { LatencySeconds = latency };
    }

    /// <summary>
    /// The latency budget against a board-measured evaluation (only with <see cref="MeasuredLatency"/>): a candidate
    /// over it becomes infeasible after its measurement. A failed evaluation has no latency and breaks no budget.
    /// </summary>
    /// <exception cref="NeuroException">A successful evaluation carries no latency although the budget needs one.</exception>
    public IReadOnlyList<string> CheckMeasured(Evaluation.CandidateEvaluation evaluation)
    {
        if (!MeasuredLatency || LatencyBudgetSeconds is not double budget || evaluation.Failed is not null)
            return [];
        double latency = evaluation.LatencySeconds
            ?? throw new NeuroException("a measured latency budget needs an evaluator that measures latency on the board (--evaluator board)");
        return latency > budget
            ? [FormattableString.Invariant($"measured latency {latency * 1e3:0.###} ms > budget {budget * 1e3:0.###} ms on {Board.Name}")]
            : [];
    }
}
