using System.Collections.Immutable;
using Neuro.Program;

namespace Neuro.Sim.Execution;

/// <summary>
/// What one op did in one step: the same seven counts as the reference interpreter's <see cref="OpStepCounters"/>, as a
/// mutable struct so the engine fills a preallocated array instead of allocating a record per op and step.
/// </summary>
public struct StepCounters
{
    public long Events;
    public long InputSum;
    public long Updates;
    public long SynapticOps;
    public long Macs;
    public long NeuronUpdates;
    public long OutputSum;

    public readonly OpStepCounters ToRecord() => new(Events, InputSum, Updates, SynapticOps, Macs, NeuronUpdates, OutputSum);

    public void Add(in StepCounters other)
    {
        Events += other.Events;
        InputSum += other.InputSum;
        Updates += other.Updates;
        SynapticOps += other.SynapticOps;
        Macs += other.Macs;
        NeuronUpdates += other.NeuronUpdates;
        OutputSum += other.OutputSum;
    }
}

/// <summary>The outcome of one sample on the simulator.</summary>
/// <param name="Logits">int32 per class; empty without a Readout.</param>
/// <param name="PredictedClass">Lowest index of the largest logit; −1 without logits.</param>
/// <param name="Counters">Op-major: entry <c>op · T + step</c>.</param>
/// <param name="TimeSteps">T of the program.</param>
public sealed record SampleRun(int[] Logits, int PredictedClass, StepCounters[] Counters, int TimeSteps)
{
    /// <summary>The counters of <paramref name="op"/> at <paramref name="step"/>.</summary>
    public ref readonly StepCounters At(int op, int step) => ref Counters[op * TimeSteps + step];

    /// <summary>The counters as the reference interpreter reports them, for comparison.</summary>
    public ImmutableArray<OpCounters> ToOpCounters(SpikeProgram program) =>
    [
        .. program.Ops.Select((op, i) => new OpCounters(i, op.Name, op.Kind,
            [.. Enumerable.Range(0, TimeSteps).Select(t => At(i, t).ToRecord())])),
    ];
}

/// <summary>
/// Sees each op's driving input right after the op ran, without copying it: how the cycle model follows the events
/// without forking the engine (the shape of TFLM's <c>MicroProfilerInterface</c>).
/// </summary>
public interface IExecutionObserver
{
    /// <summary>Called once per op and step. <paramref name="driving"/> is the u8 buffer whose events drive the op (empty for ops without one).</summary>
    void AfterOp(int op, int step, ReadOnlySpan<byte> driving, in StepCounters counters);
}
