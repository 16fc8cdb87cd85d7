using Neuro.Core.Energy;
using Neuro.Program;
using Neuro.Sim.Execution;
using Neuro.Sim.Hardware;

namespace Neuro.Sim.Energy;

/// <summary>Bytes an op moved, by memory level.</summary>
public struct MemoryTraffic
{
    public long WeightReads;
    public long ActivationReads;
    public long ActivationWrites;
    public long StateReads;
    public long StateWrites;

    /// <summary>i32 accumulator read-modify-writes and bias fills of a synaptic op: its own scratchpad, sized to its output.</summary>
    public long AccumulatorBytes;

    /// <summary>Events pushed into (and later popped from) the event queue.</summary>
    public long QueueEvents;

    public void Add(in MemoryTraffic other)
    {
        WeightReads += other.WeightReads;
        ActivationReads += other.ActivationReads;
        ActivationWrites += other.ActivationWrites;
        StateReads += other.StateReads;
        StateWrites += other.StateWrites;
        AccumulatorBytes += other.AccumulatorBytes;
        QueueEvents += other.QueueEvents;
    }
}

/// <summary>Energy of some work, by component, in pJ.</summary>
public sealed record EnergyBreakdown(
    double Accumulates, double Multiplies, double NeuronUpdates, double WeightSram, double ActivationSram, double AccumulatorSram,
    double StateSram, double EventQueue)
{
    public static readonly EnergyBreakdown Zero = new(0, 0, 0, 0, 0, 0, 0, 0);

    public double Total => Accumulates + Multiplies + NeuronUpdates + WeightSram + ActivationSram + AccumulatorSram + StateSram + EventQueue;

    public EnergyBreakdown Plus(EnergyBreakdown o) => new(Accumulates + o.Accumulates, Multiplies + o.Multiplies,
        NeuronUpdates + o.NeuronUpdates, WeightSram + o.WeightSram, ActivationSram + o.ActivationSram, AccumulatorSram + o.AccumulatorSram,
        StateSram + o.StateSram, EventQueue + o.EventQueue);

    public EnergyBreakdown Scale(double factor) => new(Accumulates * factor, Multiplies * factor, NeuronUpdates * factor,
        WeightSram * factor, ActivationSram * factor, AccumulatorSram * factor, StateSram * factor, EventQueue * factor);

    /// <summary>Component names and values in a fixed order, for tables and charts (the JSON has the named fields).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<(string Component, double Picojoules)> Components =>
    [
        ("accumulates", Accumulates), ("multiplies", Multiplies), ("neuron updates", NeuronUpdates),
        ("weight SRAM", WeightSram), ("activation SRAM", ActivationSram), ("accumulator SRAM", AccumulatorSram), ("state SRAM", StateSram),
        ("event queue", EventQueue),
    ];
}

/// <summary>
/// Turns an op's counters into memory traffic and energy (docs/simulator.md, "Energy"). Paper mode is the seeds' formula:
/// E_MAC (4.6 pJ) per MAC of dense layers (the count-framed first conv, the head's logits) plus E_AC (0.9 pJ) per SOP.
/// Full mode charges the 45 nm table by the integer widths the spike-program semantics uses: i32 accumulator adds per SOP,
/// u8×i8 multiplies (8-bit) plus an i32 add per dense MAC, i8×i32 (32-bit) multiplies for the head, four i32 adds and one
/// i32 multiply per LIF update, and SRAM traffic per 64-bit access at the size of the bank it touches; a synaptic op's
/// accumulators are charged at the size of its own output (a scratchpad beside the lanes, not the whole activation bank).
/// </summary>
public sealed class OpCost
{
    private readonly Op _op;
    private readonly long _inputLength, _outputLength, _outputBytes, _classesTimesChannels, _readoutChannels;
    private readonly int _operandBytes;
    private readonly bool _operandInWeights;

    public OpCost(SpikeProgram program, Op op)
    {
        _op = op;
        _inputLength = op.Inputs.Length > 0 ? program.Buffers[DrivingOrFirst(op)].Length : 0;
        _outputLength = program.Buffers[op.Outputs[0]].Length;
        _outputBytes = program.Buffers[op.Outputs[0]].ByteLength;
        (_operandBytes, _operandInWeights) = op switch
        {
            Conv2dOp or LinearOp => (1, true),
            MatMulQKOp or MatMulKVOp => (1, false),
            MatMulAVOp or MatMulQKVOp => (4, false),
            _ => (0, false),
        };
        if (op is ReadoutOp readout)
        {
            _readoutChannels = program.Buffers[readout.Input].Shape[1];
            _classesTimesChannels = program.Tensors[readout.Weights].Shape[0] * _readoutChannels;
        }
    }

    private static int DrivingOrFirst(Op op) => op switch
    {
        MatMulAVOp av => av.Value,
        _ => op.Inputs[0],
    };

    /// <summary>The bytes one step of the op moves, derived from its counters.</summary>
    public MemoryTraffic Traffic(in StepCounters c, bool lastStep)
    {
        var t = new MemoryTraffic();
        switch (_op)
        {
            case Conv2dOp conv when conv.Dense:
                Synaptic(ref t, c.Macs, _inputLength);
                break;
            case Conv2dOp or LinearOp or MatMulQKOp or MatMulAVOp or MatMulKVOp or MatMulQKVOp:
                Synaptic(ref t, c.Updates, c.Events);
                break;
            case ReadoutOp:
                t.ActivationReads = _inputLength;
                t.StateReads = 4 * c.Updates;
                t.StateWrites = 4 * c.Updates;
                t.QueueEvents = c.Events;
                if (lastStep)
                {
                    t.WeightReads = _classesTimesChannels;
                    t.StateReads += 4 * _readoutChannels;
                }
                break;
            case LifOp:
                t.ActivationReads = 4 * c.NeuronUpdates;
                t.ActivationWrites = c.NeuronUpdates;
                t.StateReads = 4 * c.NeuronUpdates;
                t.StateWrites = 4 * c.NeuronUpdates;
                break;
            case AddOp:
                t.ActivationReads = 2 * _outputLength;
                t.ActivationWrites = _outputLength;
                break;
            default:
                t.ActivationReads = _inputLength;
                t.ActivationWrites = _outputLength;
                break;
        }
        return t;
    }

    /// <summary>Scan the driving input, fetch one operand per target, read-modify-write an i32 accumulator per target, zero or bias-fill the output first.</summary>
    private void Synaptic(ref MemoryTraffic t, long targets, long queued)
    {
        long operands = targets * _operandBytes;
        t.WeightReads = _operandInWeights ? operands : 0;
        t.ActivationReads = _inputLength + (_operandInWeights ? 0 : operands);
        t.AccumulatorBytes = 8 * targets + 4 * _outputLength;
        t.QueueEvents = queued;
    }

    /// <summary>The seeds' formula for one step: E_MAC·MACs + E_AC·SOPs.</summary>
    public static EnergyBreakdown Paper(in StepCounters c, CostTable table) =>
        EnergyBreakdown.Zero with
        {
            Accumulates = c.SynapticOps * table[CostTable.Keys.Ac],
            Multiplies = c.Macs * table[CostTable.Keys.Mac],
        };

    /// <summary>Full mode for one step.</summary>
    public EnergyBreakdown Full(in StepCounters c, in MemoryTraffic t, CostTable table, HardwareModel hardware)
    {
        double add32 = table[CostTable.Keys.IntAdd(32)];
        double macEnergy = _op is ReadoutOp
            ? table[CostTable.Keys.IntMult(32)] + add32
            : table[CostTable.Keys.IntMult(8)] + add32;
        long queueBytes = (long)hardware.EventQueueDepth * hardware.EventEntryBytes;
        return new EnergyBreakdown(
            Accumulates: c.SynapticOps * add32,
            Multiplies: c.Macs * macEnergy,
            NeuronUpdates: c.NeuronUpdates * (table[CostTable.Keys.IntMult(32)] + 4 * add32),
            WeightSram: table.SramTraffic(t.WeightReads, hardware.Bank(BankRole.Weights).Bytes),
            ActivationSram: table.SramTraffic(t.ActivationReads + t.ActivationWrites, hardware.Bank(BankRole.Activations).Bytes),
            AccumulatorSram: table.SramTraffic(t.AccumulatorBytes, _outputBytes),
            StateSram: table.SramTraffic(t.StateReads + t.StateWrites, hardware.Bank(BankRole.State).Bytes),
            EventQueue: table.SramTraffic(2 * t.QueueEvents * hardware.EventEntryBytes, queueBytes));
    }
}
