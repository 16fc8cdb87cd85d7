using System.Collections.Immutable;
using Neuro.Core.Errors;

namespace Neuro.Program;

/// <summary>Which buffers the interpreter copies out after every step.</summary>
public enum TraceLevel
{
    None,

    /// <summary>The membrane of every LIF op (after its reset).</summary>
    Membranes,

    /// <summary>Every buffer: the strongest bit-exactness check against another implementation.</summary>
    AllBuffers,
}

/// <summary>
/// What one op did in one time step, for energy accounting and firing rates.
/// </summary>
/// <param name="Events">Nonzero elements of the driving input (synaptic ops and the readout).</param>
/// <param name="InputSum">Sum of the driving input's values: its spike count, with multiplicity.</param>
/// <param name="Updates">Accumulator updates performed by an event-driven op: Σ over events of their in-bounds fan-out.</param>
/// <param name="SynapticOps">The paper's SOPs: Σ over events of value × fan-out (an event of value m counts as m spikes).</param>
/// <param name="Macs">Multiply-accumulates of a dense op: every input element × its in-bounds fan-out; the head's C·classes at the last step.</param>
/// <param name="NeuronUpdates">LIF neurons updated.</param>
/// <param name="OutputSum">Sum of a u8 output's values (spikes emitted by a LIF); 0 for i32 outputs.</param>
public sealed record OpStepCounters(
    long Events, long InputSum, long Updates, long SynapticOps, long Macs, long NeuronUpdates, long OutputSum);

/// <summary>The counters of one op, one entry per time step.</summary>
public sealed record OpCounters(int Index, string Name, OpKind Kind, ImmutableArray<OpStepCounters> Steps);

/// <summary>The outcome of running one sample.</summary>
/// <param name="Logits">int32 per class; empty for a program without a Readout.</param>
/// <param name="PredictedClass">Index of the largest logit, the lowest index winning ties; −1 without logits.</param>
/// <param name="Counters">One entry per op, in program order.</param>
/// <param name="Traces">Buffer name → per step, the buffer's elements after that step (u8 widened to int); empty unless requested.</param>
public sealed record InterpreterResult(
    ImmutableArray<int> Logits,
    int PredictedClass,
    ImmutableArray<OpCounters> Counters,
    ImmutableDictionary<string, ImmutableArray<ImmutableArray<int>>> Traces);

/// <summary>
/// The reference implementation of docs/spike-program.md, written for clarity rather than speed: each op
/// is one plain loop nest that follows its definition. The simulator and the C runtime must agree with it
/// bit for bit. It runs only <see cref="VerifiedProgram"/>s, so it checks nothing but the sample.
/// </summary>
public sealed class ReferenceInterpreter
{
    private readonly VerifiedProgram _verified;
    private readonly SpikeProgram _program;
    private readonly TraceLevel _trace;

    /// <summary>Prepares to run <paramref name="program"/>, copying out the buffers <paramref name="trace"/> names after every step.</summary>
    public ReferenceInterpreter(VerifiedProgram program, TraceLevel trace = TraceLevel.None)
    {
        ArgumentNullException.ThrowIfNull(program);
        _verified = program;
        _program = program.Program;
        _trace = trace;
    }

    /// <summary>
    /// Runs one sample: a uint8 tensor [T, C, H, W] in row-major order.
    /// </summary>
    /// <exception cref="NeuroException">The sample's length or values do not match the program's input spec.</exception>
    public InterpreterResult Run(ReadOnlySpan<byte> sample)
    {
        var input = _program.Input;
        int frame = input.FrameLength;
        if (sample.Length != (long)input.TimeSteps * frame)
            throw new NeuroException(
                $"sample has {sample.Length} values; program '{_program.Name}' expects T·C·H·W = {input.TimeSteps}·{input.Channels}·{input.Height}·{input.Width} = {(long)input.TimeSteps * frame}");
        for (int i = 0; i < sample.Length; i++)
        {
            if (sample[i] > input.MaxValue)
                throw new NeuroException(
                    $"sample value {sample[i]} at step {i / frame}, element {i % frame} exceeds the {input.Encoding} encoding's maximum {input.MaxValue}");
        }

        var state = new Machine(_program);
        var steps = _program.Ops.Select(_ => new List<OpStepCounters>()).ToArray();
        var traces = TracedBuffers().ToDictionary(b => b, _ => new List<ImmutableArray<int>>());
        int[] logits = [];
        for (int t = 0; t < input.TimeSteps; t++)
        {
            sample.Slice(t * frame, frame).CopyTo(state.Bytes[_verified.InputBuffer]);
            for (int i = 0; i < _program.Ops.Length; i++)
            {
                bool last = t == input.TimeSteps - 1;
                steps[i].Add(Execute(_program.Ops[i], state, last, ref logits));
            }
            foreach (var (buffer, list) in traces)
                list.Add(state.Snapshot(buffer));
        }

        var counters = _program.Ops.Select((op, i) => new OpCounters(i, op.Name, op.Kind, [.. steps[i]]));
        return new InterpreterResult([.. logits], ArgMax(logits), [.. counters],
            traces.ToImmutableDictionary(pair => _program.Buffers[pair.Key].Name, pair => pair.Value.ToImmutableArray()));
    }

    /// <summary>Index of the largest value; the lowest index wins ties; −1 for no values.</summary>
    public static int ArgMax(ReadOnlySpan<int> values)
    {
        if (values.IsEmpty)
            return -1;
        int best = 0;
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] > values[best])
                best = j;
        }
        return best;
    }

    private IEnumerable<int> TracedBuffers() => _trace switch
    {
        TraceLevel.Membranes => _program.Ops.OfType<LifOp>().Select(lif => lif.Membrane),
        TraceLevel.AllBuffers => Enumerable.Range(0, _program.Buffers.Length),
        _ => [],
    };

    private OpStepCounters Execute(Op op, Machine m, bool lastStep, ref int[] logits) => op switch
    {
        Conv2dOp conv => Conv2d(conv, m),
        LinearOp linear => Linear(linear, m),
        LifOp lif => Lif(lif, m),
        MaxPoolOp pool => MaxPool(pool, m),
        ToTokensOp tokens => ToTokens(tokens, m),
        AddOp add => Add(add, m),
        MatMulQKOp qk => MatMulQK(qk, m),
        MatMulAVOp av => MatMulAV(av, m),
        MatMulKVOp kv => MatMulKV(kv, m),
        MatMulQKVOp qkv => MatMulQKV(qkv, m),
        ReadoutOp readout => Readout(readout, m, lastStep, ref logits),
        _ => throw new InvalidOperationException($"verified program holds unknown op {op.Kind}"),
    };

    private OpStepCounters Conv2d(Conv2dOp op, Machine m)
    {
        byte[] input = m.Bytes[op.Input];
        int[] acc = m.Ints[op.Output];
        var weights = _program.Tensors[op.Weights];
        var (channels, height, width) = Dims3(op.Input);
        int outChannels = Dims3(op.Output).C;
        FillBias(acc, op.Bias, outChannels, height * width);

        long events = 0, inputSum = 0, updates = 0, synapticOps = 0, macs = 0;
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int value = input[(c * height + y) * width + x];
            long fanOut = 0;
            for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
            {
                // The input at (y, x) meets tap (ky, kx) of the output at (y − ky + 1, x − kx + 1).
                int oy = y - ky + 1, ox = x - kx + 1;
                if (oy < 0 || oy >= height || ox < 0 || ox >= width)
                    continue;
                fanOut += outChannels;
                if (value == 0)
                    continue;
                for (int o = 0; o < outChannels; o++)
                    acc[(o * height + oy) * width + ox] += weights.Int8At(((o * channels + c) * 3 + ky) * 3 + kx) * value;
            }
            if (op.Dense)
                macs += fanOut;
            if (value == 0)
                continue;
            events++;
            inputSum += value;
            if (!op.Dense)
            {
                updates += fanOut;
                synapticOps += fanOut * value;
            }
        }
        return new OpStepCounters(events, inputSum, updates, synapticOps, macs, 0, 0);
    }

    private OpStepCounters Linear(LinearOp op, Machine m)
    {
        byte[] input = m.Bytes[op.Input];
        int[] acc = m.Ints[op.Output];
        var weights = _program.Tensors[op.Weights];
        var (tokens, inFeatures) = Dims2(op.Input);
        int outFeatures = Dims2(op.Output).Columns;
        FillBias(acc, op.Bias, tokens, outFeatures, biasAlongLastAxis: true);

        return EventDriven(input, tokens, inFeatures, outFeatures, (n, i, value) =>
        {
            for (int o = 0; o < outFeatures; o++)
                acc[n * outFeatures + o] += weights.Int8At(o * inFeatures + i) * value;
        });
    }

    private OpStepCounters Lif(LifOp op, Machine m)
    {
        int[] input = m.Ints[op.Input];
        byte[] spikes = m.Bytes[op.Output];
        int[] membrane = m.Ints[op.Membrane];
        var thresholds = _program.Tensors[op.Thresholds];
        var shape = _program.Buffers[op.Input].Shape;
        // Elements are row-major, so the channel of element i is (i / inner) % shape[axis].
        int inner = 1;
        for (int a = op.ChannelAxis + 1; a < shape.Length; a++)
            inner *= shape[a];

        long fired = 0;
        for (int i = 0; i < input.Length; i++)
        {
            int channel = thresholds.Length == 1 ? 0 : i / inner % shape[op.ChannelAxis];
            spikes[i] = IntegerMath.LifStep(ref membrane[i], input[i], thresholds.Int32At(channel), op.Leak, op.FractionalBits);
            fired += spikes[i];
        }
        return new OpStepCounters(0, 0, 0, 0, 0, input.Length, fired);
    }

    private OpStepCounters MaxPool(MaxPoolOp op, Machine m)
    {
        byte[] input = m.Bytes[op.Input];
        byte[] output = m.Bytes[op.Output];
        var (channels, height, width) = Dims3(op.Input);
        var (_, outHeight, outWidth) = Dims3(op.Output);
        long sum = 0;
        for (int c = 0; c < channels; c++)
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++)
        {
            // Padding is skipped rather than read as 0: the same result, since values are never negative.
            byte best = 0;
            for (int y = 2 * oy - 1; y <= 2 * oy + 1; y++)
            for (int x = 2 * ox - 1; x <= 2 * ox + 1; x++)
            {
                if (y >= 0 && y < height && x >= 0 && x < width)
                    best = Math.Max(best, input[(c * height + y) * width + x]);
            }
            output[(c * outHeight + oy) * outWidth + ox] = best;
            sum += best;
        }
        return Output(sum);
    }

    private OpStepCounters ToTokens(ToTokensOp op, Machine m)
    {
        byte[] input = m.Bytes[op.Input];
        byte[] output = m.Bytes[op.Output];
        var (channels, height, width) = Dims3(op.Input);
        long sum = 0;
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            byte value = input[(c * height + y) * width + x];
            output[(y * width + x) * channels + c] = value;
            sum += value;
        }
        return Output(sum);
    }

    private static OpStepCounters Add(AddOp op, Machine m)
    {
        byte[] left = m.Bytes[op.Left], right = m.Bytes[op.Right], output = m.Bytes[op.Output];
        long sum = 0;
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = IntegerMath.AddSaturating(left[i], right[i]);
            sum += output[i];
        }
        return Output(sum);
    }

    private OpStepCounters MatMulQK(MatMulQKOp op, Machine m)
    {
        byte[] q = m.Bytes[op.Query], k = m.Bytes[op.Key];
        int[] counts = m.Ints[op.Output];
        var (tokens, channels) = Dims2(op.Query);
        int d = channels / op.Heads;
        Array.Clear(counts);
        return EventDriven(q, tokens, channels, tokens, (n, c, value) =>
        {
            int h = c / d;
            for (int j = 0; j < tokens; j++)
                counts[(h * tokens + n) * tokens + j] += value * k[j * channels + c];
        });
    }

    private OpStepCounters MatMulAV(MatMulAVOp op, Machine m)
    {
        int[] counts = m.Ints[op.Counts];
        byte[] v = m.Bytes[op.Value];
        int[] output = m.Ints[op.Output];
        var (tokens, channels) = Dims2(op.Value);
        int d = channels / op.Heads;
        Array.Clear(output);
        return EventDriven(v, tokens, channels, tokens, (j, c, value) =>
        {
            int h = c / d;
            for (int n = 0; n < tokens; n++)
                output[n * channels + c] += counts[(h * tokens + n) * tokens + j] * value;
        });
    }

    private OpStepCounters MatMulKV(MatMulKVOp op, Machine m)
    {
        byte[] k = m.Bytes[op.Key], v = m.Bytes[op.Value];
        int[] output = m.Ints[op.Output];
        var (tokens, channels) = Dims2(op.Key);
        int d = channels / op.Heads;
        Array.Clear(output);
        return EventDriven(k, tokens, channels, d, (n, c, value) =>
        {
            int h = c / d, i = c % d;
            for (int j = 0; j < d; j++)
                output[(h * d + i) * d + j] += value * v[n * channels + h * d + j];
        });
    }

    private OpStepCounters MatMulQKV(MatMulQKVOp op, Machine m)
    {
        byte[] q = m.Bytes[op.Query];
        int[] kv = m.Ints[op.KeyValue];
        int[] output = m.Ints[op.Output];
        var (tokens, channels) = Dims2(op.Query);
        int d = channels / op.Heads;
        Array.Clear(output);
        return EventDriven(q, tokens, channels, d, (n, c, value) =>
        {
            int h = c / d, i = c % d;
            for (int j = 0; j < d; j++)
                output[n * channels + h * d + j] += value * kv[(h * d + i) * d + j];
        });
    }

    private OpStepCounters Readout(ReadoutOp op, Machine m, bool lastStep, ref int[] logits)
    {
        byte[] input = m.Bytes[op.Input];
        int[] sum = m.Ints[op.Sum];
        var (tokens, channels) = Dims2(op.Input);
        long events = 0, inputSum = 0;
        for (int n = 0; n < tokens; n++)
        for (int c = 0; c < channels; c++)
        {
            int value = input[n * channels + c];
            sum[c] += value;
            events += value == 0 ? 0 : 1;
            inputSum += value;
        }
        if (!lastStep)
            return new OpStepCounters(events, inputSum, events, inputSum, 0, 0, 0);

        var weights = _program.Tensors[op.Weights];
        int classes = weights.Shape[0];
        logits = new int[classes];
        for (int j = 0; j < classes; j++)
        {
            // The verifier proved Σ|W|·max(sum) + |bias| < 2^63, so the int64 sum is exact; only the result saturates.
            long logit = op.Bias == Op.NoTensor ? 0 : _program.Tensors[op.Bias].Int32At(j);
            for (int c = 0; c < channels; c++)
                logit += (long)weights.Int8At(j * channels + c) * sum[c];
            logits[j] = IntegerMath.SaturateInt32(logit);
        }
        return new OpStepCounters(events, inputSum, events, inputSum, (long)classes * channels, 0, 0);
    }

    /// <summary>
    /// The event-driven reading shared by Linear and the attention products: every nonzero element (row, column) of a
    /// row-major u8 matrix is an event of multiplicity value, delivered to <paramref name="fanOut"/> targets.
    /// </summary>
    private static OpStepCounters EventDriven(byte[] input, int rows, int columns, int fanOut, Action<int, int, int> deliver)
    {
        long events = 0, inputSum = 0;
        for (int row = 0; row < rows; row++)
        for (int column = 0; column < columns; column++)
        {
            int value = input[row * columns + column];
            if (value == 0)
                continue;
            events++;
            inputSum += value;
            deliver(row, column, value);
        }
        return new OpStepCounters(events, inputSum, events * fanOut, inputSum * fanOut, 0, 0, 0);
    }

    private static OpStepCounters Output(long sum) => new(0, 0, 0, 0, 0, 0, sum);

    /// <summary>Sets every accumulator to its channel's bias (or 0): the start of each step's sum.</summary>
    private void FillBias(int[] acc, int bias, int outer, int inner, bool biasAlongLastAxis = false)
    {
        if (bias == Op.NoTensor)
        {
            Array.Clear(acc);
            return;
        }
        var tensor = _program.Tensors[bias];
        for (int a = 0; a < outer; a++)
        for (int b = 0; b < inner; b++)
            acc[a * inner + b] = tensor.Int32At(biasAlongLastAxis ? b : a);
    }

    private (int C, int H, int W) Dims3(int buffer)
    {
        var shape = _program.Buffers[buffer].Shape;
        return (shape[0], shape[1], shape[2]);
    }

    private (int Rows, int Columns) Dims2(int buffer)
    {
        var shape = _program.Buffers[buffer].Shape;
        return (shape[0], shape[1]);
    }

    /// <summary>The memory of a running program: one array per buffer, u8 or i32.</summary>
    private sealed class Machine(SpikeProgram program)
    {
        private readonly BufferArrays _arrays = new(program);

        public byte[][] Bytes => _arrays.Bytes;

        public int[][] Ints => _arrays.Ints;

        public ImmutableArray<int> Snapshot(int buffer) =>
            Bytes[buffer] is { } bytes ? [.. bytes.Select(value => (int)value)] : [.. Ints[buffer]];
    }
}
