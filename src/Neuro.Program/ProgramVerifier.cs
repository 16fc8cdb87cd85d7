using System.Collections.Immutable;
using Neuro.Core.Errors;

namespace Neuro.Program;

/// <summary>A program failed verification; the message lists every fault, each naming the op or table entry at fault.</summary>
public sealed class ProgramVerificationException : NeuroException
{
    public ProgramVerificationException(string programName, IReadOnlyList<string> errors)
        : base($"spike program '{programName}' is invalid: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>One line per fault, e.g. <c>op 3 'sps.lif0' (Lif): leak 0 is outside 1..65536</c>.</summary>
    public IReadOnlyList<string> Errors { get; }
}

/// <summary>
/// A program that passed <see cref="ProgramVerifier.Verify"/>, with the facts the verifier derived. Only the
/// verifier creates one, so holding a <see cref="VerifiedProgram"/> is proof that every index, shape, length,
/// constant and worst-case accumulator bound was checked: executors run it without further checks
/// ("check once, then run blind"), bounds-checking only the sample, which comes from data.
/// </summary>
public sealed class VerifiedProgram
{
    internal VerifiedProgram(SpikeProgram program, ImmutableArray<long> bounds, int inputBuffer)
    {
        Program = program;
        ValueBounds = bounds;
        InputBuffer = inputBuffer;
    }

    public SpikeProgram Program { get; }

    /// <summary>
    /// Per buffer, the largest value (u8) or absolute value (i32) any element can take for any valid input;
    /// every i32 bound is ≤ int.MaxValue, which is why accumulators never overflow.
    /// </summary>
    public ImmutableArray<long> ValueBounds { get; }

    /// <summary>Index of the buffer that receives each step's input frame.</summary>
    public int InputBuffer { get; }
}

/// <summary>
/// Checks a <see cref="SpikeProgram"/> against every static rule of docs/spike-program.md ("Verification").
/// </summary>
public static class ProgramVerifier
{
    /// <summary>Verifies the program or throws <see cref="ProgramVerificationException"/> listing every fault.</summary>
    public static VerifiedProgram Verify(SpikeProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var check = new Checker(program);
        check.Run();
        if (check.Errors.Count > 0)
            throw new ProgramVerificationException(program.Name, check.Errors);
        return new VerifiedProgram(program, [.. check.Bounds], check.InputBuffer);
    }

    private sealed class Checker(SpikeProgram program)
    {
        /// <summary>Largest i32 value: accumulator bounds above it could overflow.</summary>
        private const long Int32Limit = int.MaxValue;

        public List<string> Errors { get; } = [];

        public long[] Bounds { get; } = new long[program.Buffers.IsDefault ? 0 : program.Buffers.Length];

        public int InputBuffer { get; private set; } = -1;

        private readonly int[] _writer = Enumerable.Repeat(-1, program.Buffers.IsDefault ? 0 : program.Buffers.Length).ToArray();
        private string _where = "";

        private ImmutableArray<BufferDecl> Buffers => program.Buffers;

        private ImmutableArray<Tensor> Tensors => program.Tensors;

        /// <summary>Longest program name: the C runtime keeps it in a fixed 48-byte field with a terminating zero.</summary>
        private const int MaxNameBytes = 47;

        public void Run()
        {
            if (program.Input is null || program.Tensors.IsDefault || program.Buffers.IsDefault || program.Ops.IsDefault)
            {
                Errors.Add("input, tensors, buffers and ops must all be present");
                return;
            }
            _where = "program";
            Require(program.Name is not null && System.Text.Encoding.UTF8.GetByteCount(program.Name) <= MaxNameBytes,
                $"name must be at most {MaxNameBytes} UTF-8 bytes (the C runtime's table holds that many)");
            CheckInput(program.Input);
            CheckTensors();
            CheckBuffers();
            if (Errors.Count > 0)
                return; // op checks index into these tables; they are meaningless over broken tables.
            CheckOps();
        }

        private void CheckInput(InputSpec input)
        {
            _where = "input";
            Require(input.Channels >= 1 && input.Height >= 1 && input.Width >= 1,
                $"channels, height and width must be ≥ 1, got {input.Channels}×{input.Height}×{input.Width}");
            Require((long)input.Channels * input.Height * input.Width <= int.MaxValue, "frame has more than 2^31−1 elements");
            Require(input.TimeSteps >= 1, $"time steps T must be ≥ 1, got {input.TimeSteps}");
            Require(Enum.IsDefined(input.Encoding), $"unknown encoding {(int)input.Encoding}");
            Require(Enum.IsDefined(input.Split), $"unknown split mode {(int)input.Split}");
            Require(input.Downsample >= 1, $"downsample factor must be ≥ 1, got {input.Downsample}");
            Require((long)input.Height * input.Downsample <= input.SensorHeight && (long)input.Width * input.Downsample <= input.SensorWidth,
                $"{input.Height}×{input.Width} downsampled by {input.Downsample} does not fit the {input.SensorWidth}×{input.SensorHeight} sensor");
        }

        private void CheckTensors()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int t = 0; t < Tensors.Length; t++)
            {
                var tensor = Tensors[t];
                _where = $"tensor {t} '{tensor.Name}'";
                Require(!string.IsNullOrEmpty(tensor.Name), "has no name");
                Require(names.Add(tensor.Name ?? ""), "name is not unique");
                Require(Enum.IsDefined(tensor.Type), $"unknown type {(int)tensor.Type}");
                Require(tensor.Shape.Length >= 1 && tensor.Shape.All(d => d >= 1), $"shape {ShapeMath.Format(tensor.Shape)} must have dimensions ≥ 1");
                Require(tensor.Data.Length % tensor.ElementSize == 0 && tensor.Length == tensor.ShapeLength,
                    $"holds {tensor.Data.Length} bytes but shape {ShapeMath.Format(tensor.Shape)} needs {tensor.ShapeLength * tensor.ElementSize}");
            }
        }

        private void CheckBuffers()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int b = 0; b < Buffers.Length; b++)
            {
                var buffer = Buffers[b];
                _where = $"buffer {b} '{buffer.Name}'";
                Require(!string.IsNullOrEmpty(buffer.Name), "has no name");
                Require(names.Add(buffer.Name ?? ""), "name is not unique");
                Require(Enum.IsDefined(buffer.Type), $"unknown type {(int)buffer.Type}");
                Require(Enum.IsDefined(buffer.Kind), $"unknown kind {(int)buffer.Kind}");
                Require(!buffer.Shape.IsDefault && buffer.Shape.Length >= 1 && buffer.Shape.All(d => d >= 1),
                    "shape must have dimensions ≥ 1");
                Require(buffer.Length <= int.MaxValue, "has more than 2^31−1 elements");
                if (buffer.Kind != BufferKind.Input)
                    continue;
                Require(InputBuffer < 0, $"is a second input buffer (buffer {InputBuffer} is the first)");
                InputBuffer = b;
                var input = program.Input;
                Require(buffer.Type == BufferType.UInt8 && !buffer.Shape.IsDefault
                    && buffer.Shape.SequenceEqual([input.Channels, input.Height, input.Width]),
                    $"must be u8 [{input.Channels}, {input.Height}, {input.Width}] like the input spec");
                Bounds[b] = input.MaxValue;
            }
            _where = "program";
            Require(InputBuffer >= 0, "declares no input buffer");
        }

        private void CheckOps()
        {
            _where = "program";
            Require(program.Ops.Length >= 1, "has no ops");
            for (int i = 0; i < program.Ops.Length; i++)
            {
                var op = program.Ops[i];
                _where = $"op {i} '{op.Name}' ({op.Kind})";
                if (!CheckOperands(i, op))
                    continue;
                switch (op)
                {
                    case Conv2dOp conv: CheckConv(conv); break;
                    case LinearOp linear: CheckLinear(linear); break;
                    case LifOp lif: CheckLif(lif); break;
                    case MaxPoolOp pool: CheckMaxPool(pool); break;
                    case ToTokensOp tokens: CheckToTokens(tokens); break;
                    case AddOp add: CheckAdd(add); break;
                    case MatMulQKOp qk: CheckQK(qk); break;
                    case MatMulAVOp av: CheckAV(av); break;
                    case MatMulKVOp kv: CheckKV(kv); break;
                    case MatMulQKVOp qkv: CheckQKV(qkv); break;
                    case ReadoutOp readout: CheckReadout(readout, i); break;
                    default: Fail("is an op kind this version does not define"); break;
                }
            }

            _where = "program";
            // Without a Readout a program yields no logits; op-level test vectors use that.
            int readouts = program.Ops.Count(op => op is ReadoutOp);
            Require(readouts <= 1, $"must have at most one Readout op, has {readouts}");
            for (int b = 0; b < Buffers.Length; b++)
            {
                if (Buffers[b].Kind != BufferKind.Input && _writer[b] < 0)
                    Errors.Add($"buffer {b} '{Buffers[b].Name}': is never written");
            }
        }

        /// <summary>Indices in range, inputs already written this step, each output written by this op alone.</summary>
        private bool CheckOperands(int index, Op op)
        {
            bool ok = true;
            var tensors = op.TensorOperands;
            for (int slot = 0; slot < tensors.Length; slot++)
            {
                // Slot 0 (weights, thresholds) is required; slot 1 is always an optional bias.
                int t = tensors[slot];
                if (t == Op.NoTensor && slot == 1)
                    continue;
                if (t < 0 || t >= Tensors.Length)
                    ok = Fail($"tensor index {t} is out of range (the program has {Tensors.Length} tensors)");
            }
            foreach (int b in op.Inputs.Concat(op.Outputs))
            {
                if (b < 0 || b >= Buffers.Length)
                    ok = Fail($"buffer index {b} is out of range (the program has {Buffers.Length} buffers)");
            }
            if (!ok)
            {
                // Count the op's valid outputs as written so its readers do not report the same fault again.
                foreach (int b in op.Outputs.Where(b => b >= 0 && b < Buffers.Length && _writer[b] < 0))
                    _writer[b] = index;
                return false;
            }

            foreach (int b in op.Inputs)
            {
                var buffer = Buffers[b];
                if (buffer.Kind == BufferKind.Persistent)
                    ok = Fail($"reads state buffer {b} '{buffer.Name}', which only its owning op may touch");
                else if (buffer.Kind == BufferKind.Step && _writer[b] < 0)
                    ok = Fail($"reads buffer {b} '{buffer.Name}' before any op writes it");
            }
            var state = op switch
            {
                LifOp lif => lif.Membrane,
                ReadoutOp readout => readout.Sum,
                _ => -1,
            };
            foreach (int b in op.Outputs)
            {
                var buffer = Buffers[b];
                if (buffer.Kind == BufferKind.Input)
                    ok = Fail($"writes the input buffer {b} '{buffer.Name}'");
                else if (_writer[b] >= 0)
                    ok = Fail($"writes buffer {b} '{buffer.Name}', already written by op {_writer[b]}");
                else if ((b == state) != (buffer.Kind == BufferKind.Persistent))
                    ok = Fail(b == state
                        ? $"state buffer {b} '{buffer.Name}' must be persistent"
                        : $"output buffer {b} '{buffer.Name}' must be a step buffer, not persistent");
                else
                    _writer[b] = index;
            }
            return ok;
        }

        private void CheckConv(Conv2dOp op)
        {
            if (!Expect(op.Input, "input", BufferType.UInt8, 3) || !Expect(op.Output, "output", BufferType.Int32, 3))
                return;
            var input = Buffers[op.Input].Shape;
            var output = Buffers[op.Output].Shape;
            Require(output[1] == input[1] && output[2] == input[2],
                $"output {ShapeMath.Format(output)} must keep the input's height and width {ShapeMath.Format(input)}");
            int outChannels = output[0];
            if (!ExpectTensor(op.Weights, "weights", TensorType.Int8, [outChannels, input[0], 3, 3])
                | !ExpectBias(op.Bias, outChannels))
                return;
            SetAccumulatorBound(op.Output, WorstCaseSynapticSum(op.Weights, op.Bias, outChannels, Bounds[op.Input]));
        }

        private void CheckLinear(LinearOp op)
        {
            if (!Expect(op.Input, "input", BufferType.UInt8, 2) || !Expect(op.Output, "output", BufferType.Int32, 2))
                return;
            var input = Buffers[op.Input].Shape;
            var output = Buffers[op.Output].Shape;
            Require(output[0] == input[0], $"output {ShapeMath.Format(output)} must keep the input's {input[0]} tokens");
            if (!ExpectTensor(op.Weights, "weights", TensorType.Int8, [output[1], input[1]]) | !ExpectBias(op.Bias, output[1]))
                return;
            SetAccumulatorBound(op.Output, WorstCaseSynapticSum(op.Weights, op.Bias, output[1], Bounds[op.Input]));
        }

        private void CheckLif(LifOp op)
        {
            if (!Expect(op.Input, "input", BufferType.Int32, -1))
                return;
            var shape = Buffers[op.Input].Shape;
            bool ok = Expect(op.Output, "output", BufferType.UInt8, shape.Length) & Expect(op.Membrane, "membrane", BufferType.Int32, shape.Length);
            ok &= Require(Buffers[op.Output].Shape.SequenceEqual(shape) && Buffers[op.Membrane].Shape.SequenceEqual(shape),
                $"spikes and membrane must have the input's shape {ShapeMath.Format(shape)}");
            ok &= Require(op.Leak is >= 1 and <= IntegerMath.MaxLeak, $"leak {op.Leak} is outside 1..{IntegerMath.MaxLeak}");
            ok &= Require(op.FractionalBits is >= 0 and <= IntegerMath.MaxFractionalBits,
                $"fractional bits {op.FractionalBits} are outside 0..{IntegerMath.MaxFractionalBits}");
            if (!Require(op.ChannelAxis >= 0 && op.ChannelAxis < shape.Length, $"channel axis {op.ChannelAxis} is outside 0..{shape.Length - 1}")
                || !ok)
                return;
            var theta = Tensors[op.Thresholds];
            if (!Require(theta.Type == TensorType.Int32 && theta.Shape.Length == 1 && (theta.Shape[0] == 1 || theta.Shape[0] == shape[op.ChannelAxis]),
                    $"thresholds tensor {op.Thresholds} '{theta.Name}' must be i32 [1] or [{shape[op.ChannelAxis]}], is {theta.Type} {ShapeMath.Format(theta.Shape)}"))
                return;
            for (int c = 0; c < theta.Length; c++)
            {
                if (theta.Int32At(c) < 1)
                {
                    Fail($"threshold {theta.Int32At(c)} at element {c} of tensor '{theta.Name}' must be ≥ 1 (a neuron at rest must not fire)");
                    break;
                }
            }
            Bounds[op.Output] = 1;
        }

        private void CheckMaxPool(MaxPoolOp op)
        {
            if (!Expect(op.Input, "input", BufferType.UInt8, 3) || !Expect(op.Output, "output", BufferType.UInt8, 3))
                return;
            var input = Buffers[op.Input].Shape;
            ExpectShape(op.Output, "output", [input[0], (input[1] + 1) / 2, (input[2] + 1) / 2]);
            Bounds[op.Output] = Bounds[op.Input];
        }

        private void CheckToTokens(ToTokensOp op)
        {
            if (!Expect(op.Input, "input", BufferType.UInt8, 3) || !Expect(op.Output, "output", BufferType.UInt8, 2))
                return;
            var input = Buffers[op.Input].Shape;
            ExpectShape(op.Output, "output", [input[1] * input[2], input[0]]);
            Bounds[op.Output] = Bounds[op.Input];
        }

        private void CheckAdd(AddOp op)
        {
            if (!Expect(op.Left, "left input", BufferType.UInt8, -1) || !Expect(op.Right, "right input", BufferType.UInt8, -1)
                || !Expect(op.Output, "output", BufferType.UInt8, -1))
                return;
            var shape = Buffers[op.Left].Shape;
            if (ExpectShape(op.Right, "right input", shape) & ExpectShape(op.Output, "output", shape))
                Bounds[op.Output] = Math.Min(byte.MaxValue, Bounds[op.Left] + Bounds[op.Right]);
        }

        private void CheckQK(MatMulQKOp op)
        {
            if (!Tokens(op.Query, "query", out int n, out int c) || !Tokens(op.Key, "key", out _, out _) || !ExpectShape(op.Key, "key", [n, c])
                || !Heads(op.Heads, c, out int d)
                || !Expect(op.Output, "output", BufferType.Int32, 3) || !ExpectShape(op.Output, "output", [op.Heads, n, n]))
                return;
            SetAccumulatorBound(op.Output, d * Bounds[op.Query] * Bounds[op.Key]);
        }

        private void CheckAV(MatMulAVOp op)
        {
            if (!Tokens(op.Value, "value", out int n, out int c) || !Heads(op.Heads, c, out _)
                || !Expect(op.Counts, "counts", BufferType.Int32, 3) || !ExpectShape(op.Counts, "counts", [op.Heads, n, n])
                || !Expect(op.Output, "output", BufferType.Int32, 2) || !ExpectShape(op.Output, "output", [n, c]))
                return;
            SetAccumulatorBound(op.Output, n * Bounds[op.Counts] * Bounds[op.Value]);
        }

        private void CheckKV(MatMulKVOp op)
        {
            if (!Tokens(op.Key, "key", out int n, out int c) || !Tokens(op.Value, "value", out _, out _) || !ExpectShape(op.Value, "value", [n, c])
                || !Heads(op.Heads, c, out int d)
                || !Expect(op.Output, "output", BufferType.Int32, 3) || !ExpectShape(op.Output, "output", [op.Heads, d, d]))
                return;
            SetAccumulatorBound(op.Output, n * Bounds[op.Key] * Bounds[op.Value]);
        }

        private void CheckQKV(MatMulQKVOp op)
        {
            if (!Tokens(op.Query, "query", out int n, out int c) || !Heads(op.Heads, c, out int d)
                || !Expect(op.KeyValue, "key-value", BufferType.Int32, 3) || !ExpectShape(op.KeyValue, "key-value", [op.Heads, d, d])
                || !Expect(op.Output, "output", BufferType.Int32, 2) || !ExpectShape(op.Output, "output", [n, c]))
                return;
            SetAccumulatorBound(op.Output, d * Bounds[op.Query] * Bounds[op.KeyValue]);
        }

        private void CheckReadout(ReadoutOp op, int index)
        {
            Require(index == program.Ops.Length - 1, "must be the last op");
            if (!Tokens(op.Input, "input", out int n, out int c) || !Expect(op.Sum, "sum", BufferType.Int32, 1) || !ExpectShape(op.Sum, "sum", [c]))
                return;
            var weights = Tensors[op.Weights];
            if (!Require(weights.Type == TensorType.Int8 && weights.Shape.Length == 2 && weights.Shape[1] == c,
                    $"weights tensor {op.Weights} '{weights.Name}' must be i8 [classes, {c}], is {weights.Type} {ShapeMath.Format(weights.Shape)}"))
                return;
            ExpectBias(op.Bias, weights.Shape[0]);
            // The sum must stay exact over a whole sample: T steps of N tokens each at most the input bound.
            long bound = (long)program.Input.TimeSteps * n * Bounds[op.Input];
            Require(bound <= Int32Limit, $"the per-channel sum can reach {bound} over {program.Input.TimeSteps} steps, beyond int32");
            Bounds[op.Sum] = bound;
            // The logits accumulate in int64 before saturating to int32; prove that sum exact too.
            Require((Int128)c * 128 * bound + int.MaxValue <= long.MaxValue, $"the logits of {c} channels could overflow int64");
        }

        /// <summary>max over output channels of Σ|W[o,…]|·maxInput + |bias[o]|: no partial sum in any order can exceed it.</summary>
        private long WorstCaseSynapticSum(int weightsIndex, int biasIndex, int outChannels, long maxInput)
        {
            var weights = Tensors[weightsIndex];
            int fanIn = weights.Length / outChannels;
            long worst = 0;
            for (int o = 0; o < outChannels; o++)
            {
                long sum = biasIndex == Op.NoTensor ? 0 : Math.Abs((long)Tensors[biasIndex].Int32At(o));
                for (int i = 0; i < fanIn; i++)
                    sum += Math.Abs(weights.Int8At(o * fanIn + i)) * maxInput;
                worst = Math.Max(worst, sum);
            }
            return worst;
        }

        private void SetAccumulatorBound(int buffer, long bound)
        {
            if (Require(bound <= Int32Limit, $"the worst-case accumulator {bound} exceeds int32 (max {Int32Limit})"))
                Bounds[buffer] = bound;
        }

        private bool Tokens(int buffer, string role, out int tokens, out int channels)
        {
            (tokens, channels) = (0, 0);
            if (!Expect(buffer, role, BufferType.UInt8, 2))
                return false;
            (tokens, channels) = (Buffers[buffer].Shape[0], Buffers[buffer].Shape[1]);
            return true;
        }

        private bool Heads(int heads, int channels, out int headDim)
        {
            headDim = heads >= 1 ? channels / heads : 0;
            return Require(heads >= 1 && channels % heads == 0, $"heads {heads} must be ≥ 1 and divide the {channels} channels");
        }

        private bool Expect(int buffer, string role, BufferType type, int rank)
        {
            var decl = Buffers[buffer];
            return Require(decl.Type == type && (rank < 0 || decl.Shape.Length == rank),
                $"{role} buffer {buffer} '{decl.Name}' must be {Describe(type)}{(rank < 0 ? "" : $" of rank {rank}")}, is {Describe(decl.Type)} {ShapeMath.Format(decl.Shape)}");
        }

        private bool ExpectShape(int buffer, string role, ImmutableArray<int> shape)
        {
            var decl = Buffers[buffer];
            return Require(decl.Shape.SequenceEqual(shape),
                $"{role} buffer {buffer} '{decl.Name}' must have shape {ShapeMath.Format(shape)}, has {ShapeMath.Format(decl.Shape)}");
        }

        private bool ExpectTensor(int tensor, string role, TensorType type, ImmutableArray<int> shape)
        {
            var decl = Tensors[tensor];
            return Require(decl.Type == type && decl.Shape.SequenceEqual(shape),
                $"{role} tensor {tensor} '{decl.Name}' must be {type} {ShapeMath.Format(shape)}, is {decl.Type} {ShapeMath.Format(decl.Shape)}");
        }

        private bool ExpectBias(int tensor, int length) =>
            tensor == Op.NoTensor || ExpectTensor(tensor, "bias", TensorType.Int32, [length]);

        private static string Describe(BufferType type) => type == BufferType.UInt8 ? "u8" : "i32";

        private bool Require(bool condition, string message) => condition || Fail(message);

        private bool Fail(string message)
        {
            Errors.Add($"{_where}: {message}");
            return false;
        }
    }
}
