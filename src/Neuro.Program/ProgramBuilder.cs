using System.Collections.Immutable;

namespace Neuro.Program;

/// <summary>
/// Assembles a <see cref="SpikeProgram"/> op by op, inferring every output buffer's shape from its
/// inputs and naming buffers and tensors after their op (<c>sps.conv0</c> writes buffer <c>sps.conv0</c>
/// with tensors <c>sps.conv0.weight</c> and <c>sps.conv0.bias</c>; a LIF's membrane is <c>&lt;name&gt;.v</c>).
/// Each op method returns the index of the buffer it writes. The builder checks nothing the verifier checks:
/// <see cref="BuildVerified"/> runs the verifier.
/// </summary>
public sealed class ProgramBuilder
{
    private readonly string _name;
    private readonly InputSpec _input;
    private readonly List<Tensor> _tensors = [];
    private readonly List<BufferDecl> _buffers = [];
    private readonly List<Op> _ops = [];

    /// <summary>Starts a program whose input buffer (<see cref="Input"/>, named <c>input</c>) matches <paramref name="input"/>.</summary>
    public ProgramBuilder(string name, InputSpec input)
    {
        _name = name;
        _input = input;
        Input = AddBuffer("input", BufferType.UInt8, [input.Channels, input.Height, input.Width], BufferKind.Input);
    }

    /// <summary>The input frame buffer.</summary>
    public int Input { get; }

    /// <summary>The shape of a buffer declared so far.</summary>
    public ImmutableArray<int> ShapeOf(int buffer) => _buffers[buffer].Shape;

    public int AddTensor(Tensor tensor)
    {
        _tensors.Add(tensor);
        return _tensors.Count - 1;
    }

    public int AddBuffer(string name, BufferType type, ImmutableArray<int> shape, BufferKind kind)
    {
        _buffers.Add(new BufferDecl(name, type, shape, kind));
        return _buffers.Count - 1;
    }

    /// <summary>Adds any op whose buffers and tensors were declared by hand.</summary>
    public void AddOp(Op op) => _ops.Add(op);

    /// <summary>3×3 conv over a u8 [C, H, W] map; <paramref name="weights"/> is [O, C, 3, 3] row-major.</summary>
    public int Conv2d(string name, int input, int outChannels, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias = default, bool dense = false)
    {
        var shape = ShapeOf(input);
        int w = AddTensor(Tensor.FromInt8($"{name}.weight", [outChannels, shape[0], 3, 3], weights));
        int b = Bias(name, bias);
        int output = AddBuffer(name, BufferType.Int32, [outChannels, shape[1], shape[2]], BufferKind.Step);
        _ops.Add(new Conv2dOp(name, input, output, w, b, dense));
        return output;
    }

    /// <summary>Per-token linear map over u8 [N, In]; <paramref name="weights"/> is [Out, In] row-major.</summary>
    public int Linear(string name, int input, int outFeatures, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias = default)
    {
        var shape = ShapeOf(input);
        int w = AddTensor(Tensor.FromInt8($"{name}.weight", [outFeatures, shape[1]], weights));
        int b = Bias(name, bias);
        int output = AddBuffer(name, BufferType.Int32, [shape[0], outFeatures], BufferKind.Step);
        _ops.Add(new LinearOp(name, input, output, w, b));
        return output;
    }

    /// <summary>
    /// LIF over an i32 accumulator. <paramref name="thresholds"/> holds one θ or one per channel; the channel
    /// axis defaults to 0 for [C, H, W] maps and to the last axis for [N, C] tokens.
    /// </summary>
    public int Lif(string name, int input, ReadOnlySpan<int> thresholds, int leak, int fractionalBits = 0, int? channelAxis = null)
    {
        var shape = ShapeOf(input);
        int theta = AddTensor(Tensor.FromInt32($"{name}.theta", [thresholds.Length], thresholds));
        int output = AddBuffer(name, BufferType.UInt8, shape, BufferKind.Step);
        int membrane = AddBuffer($"{name}.v", BufferType.Int32, shape, BufferKind.Persistent);
        _ops.Add(new LifOp(name, input, output, membrane, theta, leak, fractionalBits, channelAxis ?? (shape.Length == 2 ? 1 : 0)));
        return output;
    }

    public int MaxPool(string name, int input)
    {
        var shape = ShapeOf(input);
        int output = AddBuffer(name, BufferType.UInt8, [shape[0], (shape[1] + 1) / 2, (shape[2] + 1) / 2], BufferKind.Step);
        _ops.Add(new MaxPoolOp(name, input, output));
        return output;
    }

    public int ToTokens(string name, int input)
    {
        var shape = ShapeOf(input);
        int output = AddBuffer(name, BufferType.UInt8, [shape[1] * shape[2], shape[0]], BufferKind.Step);
        _ops.Add(new ToTokensOp(name, input, output));
        return output;
    }

    public int Add(string name, int left, int right)
    {
        int output = AddBuffer(name, BufferType.UInt8, ShapeOf(left), BufferKind.Step);
        _ops.Add(new AddOp(name, left, right, output));
        return output;
    }

    public int MatMulQK(string name, int query, int key, int heads)
    {
        int tokens = ShapeOf(query)[0];
        int output = AddBuffer(name, BufferType.Int32, [heads, tokens, tokens], BufferKind.Step);
        _ops.Add(new MatMulQKOp(name, query, key, output, heads));
        return output;
    }

    public int MatMulAV(string name, int counts, int value, int heads)
    {
        int output = AddBuffer(name, BufferType.Int32, ShapeOf(value), BufferKind.Step);
        _ops.Add(new MatMulAVOp(name, counts, value, output, heads));
        return output;
    }

    public int MatMulKV(string name, int key, int value, int heads)
    {
        int d = ShapeOf(key)[1] / heads;
        int output = AddBuffer(name, BufferType.Int32, [heads, d, d], BufferKind.Step);
        _ops.Add(new MatMulKVOp(name, key, value, output, heads));
        return output;
    }

    public int MatMulQKV(string name, int query, int keyValue, int heads)
    {
        int output = AddBuffer(name, BufferType.Int32, ShapeOf(query), BufferKind.Step);
        _ops.Add(new MatMulQKVOp(name, query, keyValue, output, heads));
        return output;
    }

    /// <summary>The head over u8 tokens [N, C]; <paramref name="weights"/> is [classes, C]; returns the sum buffer.</summary>
    public int Readout(string name, int input, int classes, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias = default)
    {
        int channels = ShapeOf(input)[1];
        int w = AddTensor(Tensor.FromInt8($"{name}.weight", [classes, channels], weights));
        int b = Bias(name, bias);
        int sum = AddBuffer($"{name}.sum", BufferType.Int32, [channels], BufferKind.Persistent);
        _ops.Add(new ReadoutOp(name, input, sum, w, b));
        return sum;
    }

    public SpikeProgram Build() => new(_name, _input, [.. _tensors], [.. _buffers], [.. _ops]);

    public VerifiedProgram BuildVerified() => ProgramVerifier.Verify(Build());

    /// <summary>An empty span means "no bias".</summary>
    private int Bias(string name, ReadOnlySpan<int> bias) =>
        bias.IsEmpty ? Op.NoTensor : AddTensor(Tensor.FromInt32($"{name}.bias", [bias.Length], bias));
}
