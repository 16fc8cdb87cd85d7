using System.Collections.Immutable;

namespace Neuro.Program;

/// <summary>Op codes as stored in the file. Never renumbered; new ops take the next number.</summary>
public enum OpKind
{
    Conv2d = 1,
    Linear = 2,
    Lif = 3,
    MaxPool = 4,
    ToTokens = 5,
    Add = 6,
    MatMulQK = 7,
    MatMulAV = 8,
    MatMulKV = 9,
    MatMulQKV = 10,
    Readout = 11,
}

/// <summary>
/// One step of a spike program. Operands are indices into <see cref="SpikeProgram.Buffers"/> and
/// <see cref="SpikeProgram.Tensors"/>; docs/spike-program.md gives each op's exact integer semantics.
/// Every op is stored in the same four-list form (<see cref="Inputs"/>, <see cref="Outputs"/>,
/// <see cref="TensorOperands"/>, <see cref="Attributes"/>) so a C loader parses all ops with one routine.
/// </summary>
/// <param name="Name">The LayerTable layer the op implements (e.g. <c>sps.conv0</c>), so counters line up with energy accounting.</param>
public abstract record Op(string Name)
{
    /// <summary>Marks an absent optional tensor (a bias) in <see cref="TensorOperands"/>.</summary>
    public const int NoTensor = -1;

    public abstract OpKind Kind { get; }

    /// <summary>Buffers read, in the op's documented order.</summary>
    public abstract ImmutableArray<int> Inputs { get; }

    /// <summary>Buffers written (a LIF's membrane is read and written; it is listed here).</summary>
    public abstract ImmutableArray<int> Outputs { get; }

    /// <summary>Constant tensors used, <see cref="NoTensor"/> for an absent optional one.</summary>
    public virtual ImmutableArray<int> TensorOperands => [];

    /// <summary>Integer attributes (flags, shifts, head counts).</summary>
    public virtual ImmutableArray<int> Attributes => [];

    /// <summary>Names of <see cref="Attributes"/>, position by position, for people and JSON.</summary>
    public virtual ImmutableArray<string> AttributeNames => [];
}

/// <summary>
/// 3×3 convolution, stride 1, zero padding 1, over a u8 map [C, H, W] into an i32 accumulator [O, H, W]:
/// acc[o,y,x] = bias[o] + Σ_{c,ky,kx} W[o,c,ky,kx]·in[c, y+ky−1, x+kx−1] over taps inside the map.
/// Computed event-driven (each nonzero input scatters to its in-bounds outputs); <paramref name="Dense"/>
/// marks the non-spiking first layer whose work is counted as MACs rather than accumulates.
/// </summary>
/// <param name="Weights">i8 [O, C, 3, 3].</param>
/// <param name="Bias">i32 [O], or <see cref="Op.NoTensor"/>.</param>
public sealed record Conv2dOp(string Name, int Input, int Output, int Weights, int Bias, bool Dense) : Op(Name)
{
    public override OpKind Kind => OpKind.Conv2d;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> TensorOperands => [Weights, Bias];
    public override ImmutableArray<int> Attributes => [Dense ? 1 : 0];
    public override ImmutableArray<string> AttributeNames => ["dense"];
}

/// <summary>Per-token linear map: u8 [N, In] → i32 [N, Out], acc[n,o] = bias[o] + Σ_i W[o,i]·in[n,i].</summary>
/// <param name="Weights">i8 [Out, In] (PyTorch's layout).</param>
/// <param name="Bias">i32 [Out], or <see cref="Op.NoTensor"/>.</param>
public sealed record LinearOp(string Name, int Input, int Output, int Weights, int Bias) : Op(Name)
{
    public override OpKind Kind => OpKind.Linear;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> TensorOperands => [Weights, Bias];
}

/// <summary>
/// Leaky integrate-and-fire with decay_input and hard reset to 0, in integers:
/// H = sat32(V + round_shift(((X ≪ F) − V)·k, 16)); spike = H ≥ θ[c]; V = spike ? 0 : H.
/// </summary>
/// <param name="Input">i32 accumulator X.</param>
/// <param name="Output">u8 spikes (0/1), same shape.</param>
/// <param name="Membrane">Persistent i32 V, same shape.</param>
/// <param name="Thresholds">i32 θ: one value for all neurons, or one per index of <paramref name="ChannelAxis"/>; each ≥ 1.</param>
/// <param name="Leak">k = round(65536/τ), 1..65536.</param>
/// <param name="FractionalBits">F, 0..14: the membrane keeps F more fractional bits than X.</param>
/// <param name="ChannelAxis">Axis of the shape that θ is indexed by (0 for [C, H, W] maps, 1 for [N, C] tokens).</param>
public sealed record LifOp(
    string Name, int Input, int Output, int Membrane, int Thresholds, int Leak, int FractionalBits, int ChannelAxis) : Op(Name)
{
    public override OpKind Kind => OpKind.Lif;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Output, Membrane];
    public override ImmutableArray<int> TensorOperands => [Thresholds];
    public override ImmutableArray<int> Attributes => [Leak, FractionalBits, ChannelAxis];
    public override ImmutableArray<string> AttributeNames => ["leak", "fractionalBits", "channelAxis"];
}

/// <summary>3×3 max pool, stride 2, padding 1, over u8 [C, H, W] → [C, ⌈H/2⌉, ⌈W/2⌉]; padding never wins (values are ≥ 0).</summary>
public sealed record MaxPoolOp(string Name, int Input, int Output) : Op(Name)
{
    public override OpKind Kind => OpKind.MaxPool;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Output];
}

/// <summary>Flattens a u8 map [C, H, W] into tokens [H·W, C]: out[y·W + x, c] = in[c, y, x].</summary>
public sealed record ToTokensOp(string Name, int Input, int Output) : Op(Name)
{
    public override OpKind Kind => OpKind.ToTokens;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Output];
}

/// <summary>Residual add of two u8 buffers of one shape, saturating at 255.</summary>
public sealed record AddOp(string Name, int Left, int Right, int Output) : Op(Name)
{
    public override OpKind Kind => OpKind.Add;
    public override ImmutableArray<int> Inputs => [Left, Right];
    public override ImmutableArray<int> Outputs => [Output];
}

/// <summary>
/// Coincidence counts per head: u8 q, k [N, C] → i32 [Heads, N, N],
/// out[h,n,m] = Σ_{j&lt;d} q[n, h·d+j]·k[m, h·d+j], d = C/Heads. Driven by q's events.
/// </summary>
public sealed record MatMulQKOp(string Name, int Query, int Key, int Output, int Heads) : Op(Name)
{
    public override OpKind Kind => OpKind.MatMulQK;
    public override ImmutableArray<int> Inputs => [Query, Key];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> Attributes => [Heads];
    public override ImmutableArray<string> AttributeNames => ["heads"];
}

/// <summary>
/// Attention output: i32 counts [Heads, N, N] and u8 v [N, C] → i32 [N, C],
/// out[n, h·d+j] = Σ_m counts[h,n,m]·v[m, h·d+j]. Driven by v's events. The attention scale is not
/// applied here: the compiler folds it into the following LIF's thresholds.
/// </summary>
public sealed record MatMulAVOp(string Name, int Counts, int Value, int Output, int Heads) : Op(Name)
{
    public override OpKind Kind => OpKind.MatMulAV;
    public override ImmutableArray<int> Inputs => [Counts, Value];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> Attributes => [Heads];
    public override ImmutableArray<string> AttributeNames => ["heads"];
}

/// <summary>
/// Key-value products per head: u8 k, v [N, C] → i32 [Heads, d, d],
/// out[h,i,j] = Σ_n k[n, h·d+i]·v[n, h·d+j]. Driven by k's events.
/// </summary>
public sealed record MatMulKVOp(string Name, int Key, int Value, int Output, int Heads) : Op(Name)
{
    public override OpKind Kind => OpKind.MatMulKV;
    public override ImmutableArray<int> Inputs => [Key, Value];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> Attributes => [Heads];
    public override ImmutableArray<string> AttributeNames => ["heads"];
}

/// <summary>
/// Attention output in the other order: u8 q [N, C] and i32 kv [Heads, d, d] → i32 [N, C],
/// out[n, h·d+j] = Σ_i q[n, h·d+i]·kv[h,i,j]. Driven by q's events; the scale is folded as for <see cref="MatMulAVOp"/>.
/// </summary>
public sealed record MatMulQKVOp(string Name, int Query, int KeyValue, int Output, int Heads) : Op(Name)
{
    public override OpKind Kind => OpKind.MatMulQKV;
    public override ImmutableArray<int> Inputs => [Query, KeyValue];
    public override ImmutableArray<int> Outputs => [Output];
    public override ImmutableArray<int> Attributes => [Heads];
    public override ImmutableArray<string> AttributeNames => ["heads"];
}

/// <summary>
/// Classification head. Every step: sum[c] += Σ_n in[n, c] (the mean's numerator, persistent i32 [C]).
/// After the last step: logits[j] = sat32(Σ_c W[j,c]·sum[c] + bias[j]) accumulated in int64; the
/// predicted class is the first index of the largest logit. At most one per program, and it is the last op.
/// </summary>
/// <param name="Input">u8 tokens [N, C].</param>
/// <param name="Sum">Persistent i32 [C].</param>
/// <param name="Weights">i8 [Classes, C].</param>
/// <param name="Bias">i32 [Classes] already scaled by N·T by the compiler, or <see cref="Op.NoTensor"/>.</param>
public sealed record ReadoutOp(string Name, int Input, int Sum, int Weights, int Bias) : Op(Name)
{
    public override OpKind Kind => OpKind.Readout;
    public override ImmutableArray<int> Inputs => [Input];
    public override ImmutableArray<int> Outputs => [Sum];
    public override ImmutableArray<int> TensorOperands => [Weights, Bias];
}
