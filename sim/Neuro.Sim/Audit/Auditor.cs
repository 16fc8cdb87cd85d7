using Neuro.Core.Energy;
using Neuro.Program;
using Neuro.Sim.Energy;
using Neuro.Sim.Execution;
using Neuro.Sim.Hardware;

namespace Neuro.Sim.Audit;

/// <summary>Which energy figure a report leads with; both are always computed.</summary>
public enum EnergyMode
{
    /// <summary>E_MAC·MACs + E_AC·SOPs, the seeds' formula.</summary>
    Paper,

    /// <summary>The 45 nm table by width, plus SRAM, neuron updates and event-queue traffic.</summary>
    Full,
}

/// <summary>One op's figures, averaged per sample.</summary>
/// <param name="InputRate">Mean value per element per step of the driving input (spikes with multiplicity); null for ops without one.</param>
/// <param name="OutputRate">Mean value per element per step of the u8 output (a LIF's firing rate); null for i32 outputs.</param>
/// <param name="DenseOperations">Accumulator updates if every input element were an event (the dense layer's work).</param>
/// <param name="Utilisation">Fraction of the op's cycles × units its work kept busy; null for data movement.</param>
public sealed record LayerAudit(
    int Index, string Name, OpKind Kind, double? InputRate, double? OutputRate,
    double Events, double DenseOperations, double Updates, double SynapticOps, double Macs, double NeuronUpdates,
    double WeightReadBytes, double ActivationReadBytes, double ActivationWriteBytes, double AccumulatorBytes, double StateReadBytes, double StateWriteBytes,
    double QueueEvents, double Cycles, double? Utilisation, EnergyBreakdown PaperEnergy, EnergyBreakdown FullEnergy);

/// <summary>Everything an audit found, per layer and in total (per-sample means).</summary>
public sealed record AuditResult(
    string Program, string Hardware, long ClockHz, int Samples, int TimeSteps, EnergyMode Mode,
    double? Accuracy, IReadOnlyList<int> Predictions, IReadOnlyList<LayerAudit> Layers,
    double Cycles, double LatencySeconds, EnergyBreakdown PaperEnergy, EnergyBreakdown FullEnergy,
    double SynapticOps, double Macs, double Updates, double DenseOperations)
{
    /// <summary>The energy the chosen mode reports, pJ per sample.</summary>
    public double EnergyPicojoules => Mode == EnergyMode.Paper ? PaperEnergy.Total : FullEnergy.Total;
}

/// <summary>
/// Runs samples through the engine with the cycle model attached and folds counters, cycles, memory traffic and energy
/// into an <see cref="AuditResult"/>. The engine, cycle model and energy model stay separate (auditing is an add-on).
/// </summary>
public sealed class Auditor
{
    private readonly SimulationEngine _engine;
    private readonly CycleModel _cycles;
    private readonly OpCost[] _costs;
    private readonly CostTable _table;
    private readonly HardwareModel _hardware;
    private readonly SpikeProgram _program;

    /// <exception cref="Neuro.Core.Errors.NeuroException">The program does not fit the hardware's banks.</exception>
    public Auditor(VerifiedProgram program, HardwareModel hardware, CostTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(hardware);
        hardware.CheckFits(program.Program);
        _program = program.Program;
        _hardware = hardware;
        _engine = new SimulationEngine(program);
        _cycles = new CycleModel(program, hardware);
        _costs = [.. _program.Ops.Select(op => new OpCost(_program, op))];
        _table = table ?? CostTable.Horowitz45nm;
    }

    public SimulationEngine Engine => _engine;

    /// <summary>Audits <paramref name="samples"/>; <paramref name="labels"/> (same length) give the accuracy.</summary>
    public AuditResult Run(IReadOnlyList<byte[]> samples, IReadOnlyList<int>? labels, EnergyMode mode, int parallelism = 0,
        Action? onSampleDone = null, CancellationToken cancellation = default)
    {
        if (samples.Count == 0)
            throw new ArgumentException("an audit needs at least one sample", nameof(samples));
        if (labels is not null && labels.Count != samples.Count)
            throw new ArgumentException($"{labels.Count} labels for {samples.Count} samples", nameof(labels));
        var counters = new CycleCounter[samples.Count];
        var runs = _engine.RunBatch(samples, parallelism, i => counters[i] = _cycles.NewCounter(), onSampleDone, cancellation);

        int ops = _program.Ops.Length, steps = _program.Input.TimeSteps;
        var sums = new StepCounters[ops];
        var traffic = new MemoryTraffic[ops];
        var cycles = new long[ops];
        var paper = Enumerable.Repeat(EnergyBreakdown.Zero, ops).ToArray();
        var full = Enumerable.Repeat(EnergyBreakdown.Zero, ops).ToArray();
        for (int s = 0; s < runs.Length; s++)
        for (int op = 0; op < ops; op++)
        for (int t = 0; t < steps; t++)
        {
            ref readonly var c = ref runs[s].At(op, t);
            var moved = _costs[op].Traffic(c, t == steps - 1);
            sums[op].Add(c);
            traffic[op].Add(moved);
            cycles[op] += counters[s].CyclesOf(op, t);
            paper[op] = paper[op].Plus(OpCost.Paper(c, _table));
            full[op] = full[op].Plus(_costs[op].Full(c, moved, _table, _hardware));
        }

        double n = samples.Count, perSample = 1.0 / n;
        var layers = new List<LayerAudit>();
        for (int op = 0; op < ops; op++)
            layers.Add(Layer(op, sums[op], traffic[op], cycles[op], n, paper[op].Scale(perSample), full[op].Scale(perSample)));

        var predictions = runs.Select(run => run.PredictedClass).ToArray();
        double? accuracy = labels is null ? null : (double)predictions.Zip(labels).Count(pair => pair.First == pair.Second) / n;
        double totalCycles = cycles.Sum() * perSample;
        return new AuditResult(_program.Name, _hardware.Name, _hardware.ClockHz, samples.Count, steps, mode, accuracy, predictions, layers,
            totalCycles, totalCycles / _hardware.ClockHz,
            paper.Aggregate(EnergyBreakdown.Zero, (a, b) => a.Plus(b)).Scale(perSample),
            full.Aggregate(EnergyBreakdown.Zero, (a, b) => a.Plus(b)).Scale(perSample),
            layers.Sum(l => l.SynapticOps), layers.Sum(l => l.Macs), layers.Sum(l => l.Updates), layers.Sum(l => l.DenseOperations));
    }

    private LayerAudit Layer(int op, in StepCounters c, in MemoryTraffic t, long cycles, double n, EnergyBreakdown paper, EnergyBreakdown full)
    {
        var o = _program.Ops[op];
        var plan = _cycles.Plans[op];
        int steps = _program.Input.TimeSteps;
        int driving = _engine.DrivingBuffer(op);
        double? inputRate = driving < 0 ? null : c.InputSum / (n * steps * _program.Buffers[driving].Length);
        var output = _program.Buffers[o.Outputs[0]];
        double? outputRate = output.Type == BufferType.UInt8 ? c.OutputSum / (n * steps * output.Length) : null;
        double dense = 0;
        if (plan.Class == CycleClass.EventPipeline)
        {
            for (int i = 0; i < plan.ScanLength; i++)
                dense += plan.FanOut(i);
            dense *= steps;
        }
        double? utilisation = plan.Class switch
        {
            CycleClass.EventPipeline => plan.Dense
                ? c.Macs / ((double)cycles * _hardware.MacUnits)
                : c.Updates / ((double)cycles * _hardware.AcLanes),
            CycleClass.NeuronUpdate => c.NeuronUpdates / ((double)cycles * _hardware.NeuronUnits),
            _ => null,
        };
        return new LayerAudit(op, o.Name, o.Kind, inputRate, outputRate,
            c.Events / n, dense, c.Updates / n, c.SynapticOps / n, c.Macs / n, c.NeuronUpdates / n,
            t.WeightReads / n, t.ActivationReads / n, t.ActivationWrites / n, t.AccumulatorBytes / n, t.StateReads / n, t.StateWrites / n,
            t.QueueEvents / n, cycles / n, utilisation, paper, full);
    }
}
