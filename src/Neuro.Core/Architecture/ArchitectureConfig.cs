using System.Text.Json.Serialization;

namespace Neuro.Core.Architecture;

/// <summary>How the model's input tensor is produced from the sensor.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InputEncoding>))]
public enum InputEncoding
{
    /// <summary>A static real-valued image, repeated at every time step (CIFAR, ImageNet). The first conv is a MAC layer computed once.</summary>
    Real,

    /// <summary>DVS event counts per pixel and time bin: multi-bit integers, so the first conv is a MAC layer, run every step.</summary>
    EventCounts,

    /// <summary>DVS events clipped to one spike per pixel and time bin: the first conv is already an accumulate-only (AC) layer.</summary>
    EventBinary,
}

/// <summary>Order of the two spike matrix products of spiking self-attention (both exact on integers, different costs).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttentionOrder>))]
public enum AttentionOrder
{
    /// <summary>(Q·Kᵀ)·V, as Spikformer's CIFAR and DVS code: N×N coincidence counts per head, then ×V. Cost 2·N²·C per step.</summary>
    QKFirst,

    /// <summary>Q·(Kᵀ·V), as Spikformer's ImageNet code: d×d per head, then Q×. Cost 2·N·C·d per step.</summary>
    KVFirst,
}

/// <summary>Sensor input of the model.</summary>
/// <param name="Channels">Input channels: 2 polarities for DVS, 3 for RGB.</param>
/// <param name="Height">Sensor or image height in pixels, before <paramref name="Downsample"/>.</param>
/// <param name="Width">Sensor or image width in pixels, before <paramref name="Downsample"/>.</param>
/// <param name="Downsample">Integer factor the input is pooled by before the first conv (1 = none; 4 turns 128×128 into 32×32).</param>
/// <param name="Encoding">How pixels become input values.</param>
public sealed record InputSpec(int Channels, int Height, int Width, int Downsample = 1, InputEncoding Encoding = InputEncoding.Real)
{
    /// <summary>Height the first conv sees.</summary>
    [JsonIgnore] public int ModelHeight => Height / Downsample;

    /// <summary>Width the first conv sees.</summary>
    [JsonIgnore] public int ModelWidth => Width / Downsample;
}

/// <summary>Leaky integrate-and-fire parameters (SpikingJelly's <c>MultiStepLIFNode</c>, decay_input, hard reset to 0).</summary>
/// <param name="Threshold">Firing threshold V_th.</param>
/// <param name="Tau">Membrane time constant τ (≥ 1; the leak per step is 1/τ).</param>
public sealed record LifParameters(double Threshold = 1.0, double Tau = 2.0)
{
    /// <summary>Spikformer's default neuron: V_th = 1, τ = 2.</summary>
    public static LifParameters Default { get; } = new();
}

/// <summary>One transformer block: spiking self-attention then MLP, each with a residual add.</summary>
/// <param name="MlpRatio">Hidden width of the MLP as a multiple of the embedding dim (truncated like Python's <c>int()</c>).</param>
/// <param name="Heads">Attention heads; must divide the embedding dim.</param>
/// <param name="Lif">Neuron parameters of every LIF in the block except the attention LIF, whose threshold is <see cref="ArchitectureConfig.AttentionThreshold"/>.</param>
public sealed record BlockConfig(double MlpRatio, int Heads, LifParameters Lif)
{
    /// <summary>Hidden MLP width for an embedding dim: <c>int(dim · ratio)</c> as in the official code.</summary>
    public int MlpHidden(int embedDim) => (int)(embedDim * MlpRatio);
}

/// <summary>Where biases exist. The official code differs per dataset (CIFAR: q/k/v linears have biases; DVS, ImageNet: not).</summary>
/// <param name="Qkv">Bias on the q, k and v projections.</param>
/// <param name="Projection">Bias on the attention output projection.</param>
/// <param name="Mlp">Bias on both MLP layers.</param>
/// <param name="Head">Bias on the classification head.</param>
public sealed record BiasPlacement(bool Qkv = false, bool Projection = true, bool Mlp = true, bool Head = true);

/// <summary>
/// The spiking patch splitting (SPS) stem: four 3×3 conv + BN + LIF stages of widths C/8, C/4, C/2, C, each optionally
/// followed by a 3×3 stride-2 max-pool, then a relative-position conv + BN + LIF added to its own input.
/// </summary>
/// <param name="MaxPoolAfter">Four flags, one per stage: a max-pool follows that stage.</param>
/// <param name="Lif">Neuron parameters of every SPS LIF.</param>
public sealed record SpsConfig(IReadOnlyList<bool> MaxPoolAfter, LifParameters Lif)
{
    /// <summary>Number of conv stages before the relative-position conv.</summary>
    public const int Stages = 4;

    /// <summary>Channel divisors of the stages: C/8, C/4, C/2, C.</summary>
    public static IReadOnlyList<int> StageDivisors { get; } = [8, 4, 2, 1];

    public bool Equals(SpsConfig? other) =>
        other is not null && MaxPoolAfter.SequenceEqual(other.MaxPoolAfter) && Lif == other.Lif;

    public override int GetHashCode() =>
        HashCode.Combine(MaxPoolAfter.Aggregate(0, (hash, flag) => (hash << 1) | (flag ? 1 : 0)), Lif);
}

/// <summary>
/// A Spikformer-style spiking transformer: SPS stem, <see cref="Depth"/> blocks of spiking self-attention and MLP,
/// and a head (mean over tokens and time, then a linear layer). Pure data: TorchSharp models, layer tables, the
/// compiler and search all derive from it. Validate with <see cref="ArchitectureValidator"/>; read and write with
/// <see cref="ArchitectureJson"/>.
/// </summary>
public sealed record ArchitectureConfig
{
    /// <summary>A human-readable name (preset name, or a search candidate's key).</summary>
    public required string Name { get; init; }

    public required InputSpec Input { get; init; }

    /// <summary>Simulation time steps T per sample.</summary>
    public required int TimeSteps { get; init; }

    /// <summary>Embedding dim C: tokens carry C channels; SPS stages are C/8, C/4, C/2, C wide.</summary>
    public required int EmbedDim { get; init; }

    /// <summary>The transformer blocks, first to last; their count is the depth.</summary>
    public required IReadOnlyList<BlockConfig> Blocks { get; init; }

    public required int Classes { get; init; }

    public required SpsConfig Sps { get; init; }

    public AttentionOrder AttentionOrder { get; init; } = AttentionOrder.QKFirst;

    /// <summary>Scale applied to the attention products before the attention LIF (0.125 CIFAR/ImageNet, 0.25 DVS); a power of two so integer hardware shifts.</summary>
    public double AttentionScale { get; init; } = 0.125;

    /// <summary>Threshold of the attention LIF (0.5 in the official code); its τ is the block's.</summary>
    public double AttentionThreshold { get; init; } = 0.5;

    public BiasPlacement Bias { get; init; } = new();

    [JsonIgnore] public int Depth => Blocks.Count;

    public bool Equals(ArchitectureConfig? other) =>
        other is not null
        && Name == other.Name && Input == other.Input && TimeSteps == other.TimeSteps && EmbedDim == other.EmbedDim
        && Blocks.SequenceEqual(other.Blocks) && Classes == other.Classes && Sps == other.Sps
        && AttentionOrder == other.AttentionOrder && AttentionScale.Equals(other.AttentionScale)
        && AttentionThreshold.Equals(other.AttentionThreshold) && Bias == other.Bias;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(Input);
        hash.Add(TimeSteps);
        hash.Add(EmbedDim);
        foreach (var block in Blocks)
            hash.Add(block);
        hash.Add(Classes);
        hash.Add(Sps);
        hash.Add(AttentionOrder);
        hash.Add(AttentionScale);
        hash.Add(AttentionThreshold);
        hash.Add(Bias);
        return hash.ToHashCode();
    }

    /// <summary>A config whose blocks all share one shape and neuron.</summary>
    public static ArchitectureConfig Uniform(
        string name, InputSpec input, int timeSteps, int embedDim, int depth, int heads, double mlpRatio, int classes,
        IReadOnlyList<bool> maxPoolAfter, LifParameters? lif = null) =>
        new()
        {
            Name = name,
            Input = input,
            TimeSteps = timeSteps,
            EmbedDim = embedDim,
            Blocks = Enumerable.Range(0, depth).Select(_ => new BlockConfig(mlpRatio, heads, lif ?? LifParameters.Default)).ToArray(),
            Classes = classes,
            Sps = new SpsConfig(maxPoolAfter.ToArray(), lif ?? LifParameters.Default),
        };
}
