using Neuro.Program;

namespace Neuro.Sim.Hardware;

/// <summary>How an op occupies the hardware (docs/simulator.md, "Cycle model").</summary>
public enum CycleClass
{
    /// <summary>Scanner → event queue → lanes: Conv2d, Linear, the attention products, the readout's sums.</summary>
    EventPipeline,

    /// <summary>LIF: neuron-update units, membrane reads and writes.</summary>
    NeuronUpdate,

    /// <summary>MaxPool, ToTokens, Add: bytes moved through the activations bank.</summary>
    DataMovement,
}

/// <summary>
/// One op's fixed timing parameters on one hardware model: everything the fast and stepped cycle models share, so they
/// can differ only in how they advance time. Service time of an event of fan-out F (F targets):
/// max(⌈F / units⌉, ⌈F·operandBytes / operand bandwidth⌉, ⌈8F / accumulator bandwidth⌉), operand and accumulator
/// traffic summed when both live in the activations bank.
/// </summary>
public sealed class OpCyclePlan
{
    internal OpCyclePlan(HardwareModel hardware, SpikeProgram program, Op op)
    {
        var weights = hardware.Bank(BankRole.Weights);
        var activations = hardware.Bank(BankRole.Activations);
        var state = hardware.Bank(BankRole.State);
        int actAll = activations.BytesPerPortCycle * activations.Ports;
        ScanBytesPerCycle = activations.BytesPerPortCycle;
        Overhead = hardware.PipelineDepth;
        int[] Shape(int buffer) => [.. program.Buffers[buffer].Shape];
        long Len(int buffer) => program.Buffers[buffer].Length;
        switch (op)
        {
            case Conv2dOp conv:
            {
                int[] s = Shape(conv.Input);
                int outChannels = Shape(conv.Output)[0];
                Class = CycleClass.EventPipeline;
                Dense = conv.Dense;
                ScanLength = (int)Len(conv.Input);
                FanOuts = new int[ScanLength];
                int positions = s[1] * s[2];
                for (int i = 0; i < ScanLength; i++)
                {
                    int p = i % positions, y = p / s[2], x = p % s[2];
                    FanOuts[i] = outChannels * Taps(y, s[1]) * Taps(x, s[2]);
                }
                SetPipeline(conv.Dense ? hardware.MacUnits : hardware.AcLanes, 1, weights, activations);
                break;
            }
            case LinearOp linear:
                Uniform(Len(linear.Input), Shape(linear.Output)[1], hardware.AcLanes, 1, weights, activations);
                break;
            case MatMulQKOp qk:
                Uniform(Len(qk.Query), Shape(qk.Query)[0], hardware.AcLanes, 1, activations, activations);
                break;
            case MatMulAVOp av:
                Uniform(Len(av.Value), Shape(av.Value)[0], hardware.AcLanes, 4, activations, activations);
                break;
            case MatMulKVOp kv:
                Uniform(Len(kv.Key), Shape(kv.Key)[1] / kv.Heads, hardware.AcLanes, 1, activations, activations);
                break;
            case MatMulQKVOp qkv:
                Uniform(Len(qkv.Query), Shape(qkv.Query)[1] / qkv.Heads, hardware.AcLanes, 4, activations, activations);
                break;
            case ReadoutOp readout:
            {
                // The running sums live in the state bank: each event is one read-modify-write there.
                Class = CycleClass.EventPipeline;
                ScanLength = (int)Len(readout.Input);
                FanOuts = [];
                UniformFanOut = 1;
                Units = hardware.AcLanes;
                ServiceOverride = Math.Max(1, Ceil(8, state.BytesPerPortCycle * state.Ports));
                LastStepMacs = (long)program.Tensors[readout.Weights].Shape[0] * Shape(readout.Input)[1];
                MacUnits = hardware.MacUnits;
                break;
            }
            case LifOp lif:
            {
                Class = CycleClass.NeuronUpdate;
                long n = Len(lif.Input);
                Streams = [(n, hardware.NeuronUnits), (5 * n, actAll), (8 * n, state.BytesPerPortCycle * state.Ports)];
                break;
            }
            default:
            {
                Class = CycleClass.DataMovement;
                long bytes = op switch
                {
                    MaxPoolOp pool => Len(pool.Input) + Len(pool.Output),
                    AddOp add => 3 * Len(add.Output),
                    ToTokensOp tokens => 2 * Len(tokens.Input),
                    _ => throw new InvalidOperationException($"no cycle rule for {op.Kind}"),
                };
                Streams = [(bytes, actAll)];
                break;
            }
        }
    }

    private void Uniform(long scanLength, int fanOut, int units, int operandBytes, SramBank operandBank, SramBank activations)
    {
        Class = CycleClass.EventPipeline;
        ScanLength = (int)scanLength;
        FanOuts = [];
        UniformFanOut = fanOut;
        SetPipeline(units, operandBytes, operandBank, activations);
    }

    private void SetPipeline(int units, int operandBytes, SramBank operandBank, SramBank activations)
    {
        Units = units;
        OperandBytes = operandBytes;
        AccumulatorBytesPerCycle = activations.BytesPerPortCycle * (activations.Ports - 1);
        OperandBytesPerCycle = operandBank.BytesPerPortCycle * operandBank.Ports;
        OperandSharesAccumulatorBank = operandBank.Role == BankRole.Activations;
        if (OperandSharesAccumulatorBank)
            OperandBytesPerCycle = AccumulatorBytesPerCycle;
    }

    private static int Taps(int i, int n) => (i > 0 ? 1 : 0) + 1 + (i < n - 1 ? 1 : 0);

    private static long Ceil(long a, long b) => (a + b - 1) / b;

    public CycleClass Class { get; private set; }

    /// <summary>Dense ops stream every element (zeros too) through the MAC units.</summary>
    public bool Dense { get; private set; }

    /// <summary>Elements the scanner reads per step (the driving buffer's length).</summary>
    public int ScanLength { get; private set; }

    /// <summary>u8 elements the scanner reads per cycle: one port of the activations bank.</summary>
    public int ScanBytesPerCycle { get; }

    /// <summary>Per element fan-out when it varies (a conv's border); empty when <see cref="UniformFanOut"/> applies.</summary>
    public int[] FanOuts { get; private set; } = [];

    public int UniformFanOut { get; private set; }

    public int Units { get; private set; } = 1;

    public int OperandBytes { get; private set; }

    public int OperandBytesPerCycle { get; private set; } = 1;

    public int AccumulatorBytesPerCycle { get; private set; } = 1;

    public bool OperandSharesAccumulatorBank { get; private set; }

    /// <summary>A fixed service time per event, when the bottleneck is not the lanes (the readout's state bank).</summary>
    private long ServiceOverride { get; set; }

    /// <summary>MACs the op adds after the last step's events (the readout's logits).</summary>
    public long LastStepMacs { get; private set; }

    public int MacUnits { get; private set; } = 1;

    /// <summary>Work and rate of each resource of a non-pipeline op; the op takes as long as its slowest resource.</summary>
    public (long Work, int PerCycle)[] Streams { get; private set; } = [];

    /// <summary>Cycles every op pays once: pipeline fill and drain.</summary>
    public int Overhead { get; }

    /// <summary>Cycles the lanes spend on one event (element) of fan-out <paramref name="fanOut"/>.</summary>
    public long ServiceCycles(int fanOut)
    {
        if (ServiceOverride > 0)
            return Math.Max(ServiceOverride, Ceil(fanOut, Units));
        long lanes = Ceil(fanOut, Units);
        long accumulator = 8L * fanOut, operand = (long)fanOut * OperandBytes;
        if (OperandSharesAccumulatorBank)
            return Math.Max(1, Math.Max(lanes, Ceil(accumulator + operand, AccumulatorBytesPerCycle)));
        return Math.Max(1, Math.Max(lanes, Math.Max(Ceil(operand, OperandBytesPerCycle), Ceil(accumulator, AccumulatorBytesPerCycle))));
    }

    public int FanOut(int element) => FanOuts.Length > 0 ? FanOuts[element] : UniformFanOut;
}
