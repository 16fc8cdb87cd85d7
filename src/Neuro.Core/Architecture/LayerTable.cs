using System.Text.Json.Serialization;

namespace Neuro.Core.Architecture;

[JsonConverter(typeof(JsonStringEnumConverter<LayerKind>))]
public enum LayerKind
{
    Conv2d,
    BatchNorm,
    Lif,
    MaxPool,
    Linear,
    /// <summary>A product of two activation matrices in spiking self-attention; the first source drives it.</summary>
    MatMul,
    /// <summary>Residual add of two activations.</summary>
    Add,
    /// <summary>Mean over tokens: an accumulation per input value, divided once per sample.</summary>
    Mean,
}

/// <summary>What a layer's input values are, which decides how hardware computes it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ValueKind>))]
public enum ValueKind
{
    /// <summary>Multi-bit real values (images, BN outputs, the head's mean): multiply-accumulate.</summary>
    Real,

    /// <summary>Small non-negative integers (residual sums of spikes, event counts): an event with a multiplicity.</summary>
    Integer,

    /// <summary>Binary spikes: accumulate-only.</summary>
    Spike,
}

/// <summary>
/// One layer of a Spikformer, per sample and per time step.
/// </summary>
/// <param name="Name">Dotted module path, shared with the TorchSharp model and firing-rate files (e.g. <c>blocks.0.attn.q_linear</c>).</param>
/// <param name="Kind">What the layer computes.</param>
/// <param name="Block">Transformer block index, or null for the SPS stem and the head.</param>
/// <param name="InputShape">Shape of the (first) input of one sample at one step.</param>
/// <param name="OutputShape">Shape of the output of one sample at one step.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="MacsPerStep">Dense multiply-accumulates per step (FLOPs_l of the energy formula); 0 for layers without synapses.</param>
/// <param name="Neurons">LIF neurons (0 for other layers).</param>
/// <param name="InputKind">What the input values are.</param>
/// <param name="MaxInputValue">Largest input value where bounded (1 for spikes, k for a sum of k spike maps), else null.</param>
/// <param name="StepsPerSample">How often the layer runs per sample: T, or 1 for a static image's first conv and the head.</param>
/// <param name="Sources">Layers whose outputs are the inputs, driving operand first; <c>input</c> is the sensor.</param>
public sealed record LayerInfo(
    string Name,
    LayerKind Kind,
    int? Block,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<int> OutputShape,
    long Parameters,
    long MacsPerStep,
    long Neurons,
    ValueKind InputKind,
    int? MaxInputValue,
    int StepsPerSample,
    IReadOnlyList<string> Sources)
{
    /// <summary>Dense MACs of one sample: <see cref="MacsPerStep"/> × <see cref="StepsPerSample"/>.</summary>
    public long MacsPerSample => MacsPerStep * StepsPerSample;

    /// <summary>True when the layer has synapses whose cost depends on its input activity.</summary>
    public bool HasSynapses => MacsPerStep > 0;
}

/// <summary>Every layer of a config in execution order, with totals. Pure arithmetic on the config.</summary>
public sealed class LayerTable
{
    /// <summary>Source name of the sensor input in <see cref="LayerInfo.Sources"/> and firing-rate files.</summary>
    public const string InputName = "input";

    private readonly Dictionary<string, LayerInfo> _byName;

    private LayerTable(ArchitectureConfig config, IReadOnlyList<LayerInfo> layers)
    {
        Config = config;
        Layers = layers;
        _byName = layers.ToDictionary(layer => layer.Name);
    }

    public ArchitectureConfig Config { get; }

    public IReadOnlyList<LayerInfo> Layers { get; }

    public long TotalParameters => Layers.Sum(layer => layer.Parameters);

    /// <summary>Dense MACs of one time step over all layers that run every step.</summary>
    public long MacsPerStep => Layers.Sum(layer => layer.MacsPerStep);

    public long MacsPerSample => Layers.Sum(layer => layer.MacsPerSample);

    public long TotalNeurons => Layers.Sum(layer => layer.Neurons);

    /// <summary>Number of tokens N after the SPS stem.</summary>
    public int Tokens { get; private init; }

    public LayerInfo this[string name] => _byName[name];

    public bool TryGet(string name, out LayerInfo layer) => _byName.TryGetValue(name, out layer!);

    /// <summary>Derives the table of a config (validated first).</summary>
    public static LayerTable From(ArchitectureConfig config)
    {
        ArchitectureValidator.EnsureValid(config);
        var builder = new Builder(config);
        builder.BuildSps();
        for (int b = 0; b < config.Depth; b++)
            builder.BuildBlock(b);
        builder.BuildHead();
        return new LayerTable(config, builder.Layers) { Tokens = builder.Tokens };
    }

    private sealed class Builder(ArchitectureConfig config)
    {
        public List<LayerInfo> Layers { get; } = [];

        public int Tokens { get; private set; }

        private string _current = InputName;
        private ValueKind _currentKind = config.Input.Encoding switch
        {
            InputEncoding.EventBinary => ValueKind.Spike,
            InputEncoding.EventCounts => ValueKind.Integer,
            _ => ValueKind.Real,
        };
        private int? _currentMax = config.Input.Encoding == InputEncoding.EventBinary ? 1 : null;
        private int T => config.TimeSteps;

        public void BuildSps()
        {
            int channels = config.Input.Channels, height = config.Input.ModelHeight, width = config.Input.ModelWidth;
            for (int stage = 0; stage < SpsConfig.Stages; stage++)
            {
                int outChannels = config.EmbedDim / SpsConfig.StageDivisors[stage];
                // A static image repeated over T gives the first conv the same input every step: it runs once.
                int steps = stage == 0 && config.Input.Encoding == InputEncoding.Real ? 1 : T;
                ConvBnLif($"sps.conv{stage}", $"sps.bn{stage}", $"sps.lif{stage}", channels, outChannels, height, width, steps);
                channels = outChannels;
                if (config.Sps.MaxPoolAfter[stage])
                {
                    int pooledHeight = (height + 1) / 2, pooledWidth = (width + 1) / 2;
                    Add(new LayerInfo($"sps.pool{stage}", LayerKind.MaxPool, null, [channels, height, width],
                        [channels, pooledHeight, pooledWidth], 0, 0, 0, ValueKind.Spike, 1, T, [_current]));
                    _current = $"sps.pool{stage}";
                    (height, width) = (pooledHeight, pooledWidth);
                }
            }

            string features = _current;
            ConvBnLif("sps.rpe_conv", "sps.rpe_bn", "sps.rpe_lif", channels, channels, height, width, T);
            Tokens = height * width;
            Residual("sps.add", null, [Tokens, config.EmbedDim], features, 1, "sps.rpe_lif");
        }

        public void BuildBlock(int b)
        {
            var block = config.Blocks[b];
            int n = Tokens, c = config.EmbedDim, heads = block.Heads, d = c / heads, hidden = block.MlpHidden(c);
            string prefix = $"blocks.{b}";
            string x = _current;
            ValueKind xKind = _currentKind;
            int? xMax = _currentMax;

            foreach (string projection in new[] { "q", "k", "v" })
            {
                Restore(x, xKind, xMax);
                LinearBnLif($"{prefix}.attn.{projection}", n, c, c, config.Bias.Qkv, b);
            }

            string q = $"{prefix}.attn.q_lif", k = $"{prefix}.attn.k_lif", v = $"{prefix}.attn.v_lif";
            if (config.AttentionOrder == AttentionOrder.QKFirst)
            {
                Add(new LayerInfo($"{prefix}.attn.qk", LayerKind.MatMul, b, [heads, n, d], [heads, n, n], 0, (long)n * n * c, 0,
                    ValueKind.Spike, 1, T, [q, k]));
                Add(new LayerInfo($"{prefix}.attn.av", LayerKind.MatMul, b, [heads, n, d], [heads, n, d], 0, (long)n * n * c, 0,
                    ValueKind.Spike, 1, T, [v, $"{prefix}.attn.qk"]));
                _current = $"{prefix}.attn.av";
            }
            else
            {
                Add(new LayerInfo($"{prefix}.attn.kv", LayerKind.MatMul, b, [heads, n, d], [heads, d, d], 0, (long)n * c * d, 0,
                    ValueKind.Spike, 1, T, [k, v]));
                Add(new LayerInfo($"{prefix}.attn.qkv", LayerKind.MatMul, b, [heads, n, d], [heads, n, d], 0, (long)n * c * d, 0,
                    ValueKind.Spike, 1, T, [q, $"{prefix}.attn.kv"]));
                _current = $"{prefix}.attn.qkv";
            }

            Add(new LayerInfo($"{prefix}.attn.attn_lif", LayerKind.Lif, b, [n, c], [n, c], 0, 0, (long)n * c,
                ValueKind.Integer, null, T, [_current]));
            _current = $"{prefix}.attn.attn_lif";
            _currentKind = ValueKind.Spike;
            _currentMax = 1;
            LinearBnLif($"{prefix}.attn.proj", n, c, c, config.Bias.Projection, b);
            Residual($"{prefix}.add_attn", b, [n, c], x, xMax ?? 0, $"{prefix}.attn.proj_lif");

            string afterAttention = _current;
            int? afterAttentionMax = _currentMax;
            LinearBnLif($"{prefix}.mlp.fc1", n, c, hidden, config.Bias.Mlp, b);
            LinearBnLif($"{prefix}.mlp.fc2", n, hidden, c, config.Bias.Mlp, b);
            Residual($"{prefix}.add_mlp", b, [n, c], afterAttention, afterAttentionMax ?? 0, $"{prefix}.mlp.fc2_lif");
        }

        public void BuildHead()
        {
            int n = Tokens, c = config.EmbedDim, classes = config.Classes;
            Add(new LayerInfo("head.mean", LayerKind.Mean, null, [n, c], [c], 0, (long)n * c, 0, _currentKind, _currentMax, T,
                [_current]));
            long parameters = (long)c * classes + (config.Bias.Head ? classes : 0);
            Add(new LayerInfo("head.linear", LayerKind.Linear, null, [c], [classes], parameters, (long)c * classes, 0,
                ValueKind.Real, null, 1, ["head.mean"]));
        }

        private void ConvBnLif(string conv, string bn, string lif, int inChannels, int outChannels, int height, int width, int steps)
        {
            long weights = (long)inChannels * outChannels * 9;
            Add(new LayerInfo(conv, LayerKind.Conv2d, null, [inChannels, height, width], [outChannels, height, width], weights,
                weights * height * width, 0, _currentKind, _currentMax, steps, [_current]));
            Add(new LayerInfo(bn, LayerKind.BatchNorm, null, [outChannels, height, width], [outChannels, height, width],
                2L * outChannels, 0, 0, ValueKind.Real, null, steps, [conv]));
            Add(new LayerInfo(lif, LayerKind.Lif, null, [outChannels, height, width], [outChannels, height, width], 0, 0,
                (long)outChannels * height * width, ValueKind.Real, null, T, [bn]));
            _current = lif;
            _currentKind = ValueKind.Spike;
            _currentMax = 1;
        }

        private void LinearBnLif(string prefix, int tokens, int inFeatures, int outFeatures, bool bias, int block)
        {
            long parameters = (long)inFeatures * outFeatures + (bias ? outFeatures : 0);
            Add(new LayerInfo($"{prefix}_linear", LayerKind.Linear, block, [tokens, inFeatures], [tokens, outFeatures], parameters,
                (long)tokens * inFeatures * outFeatures, 0, _currentKind, _currentMax, T, [_current]));
            Add(new LayerInfo($"{prefix}_bn", LayerKind.BatchNorm, block, [tokens, outFeatures], [tokens, outFeatures],
                2L * outFeatures, 0, 0, ValueKind.Real, null, T, [$"{prefix}_linear"]));
            Add(new LayerInfo($"{prefix}_lif", LayerKind.Lif, block, [tokens, outFeatures], [tokens, outFeatures], 0, 0,
                (long)tokens * outFeatures, ValueKind.Real, null, T, [$"{prefix}_bn"]));
            _current = $"{prefix}_lif";
            _currentKind = ValueKind.Spike;
            _currentMax = 1;
        }

        private void Residual(string name, int? block, int[] shape, string skip, int skipMax, string branch)
        {
            Add(new LayerInfo(name, LayerKind.Add, block, shape, shape, 0, 0, 0, ValueKind.Integer, null, T, [skip, branch]));
            _current = name;
            _currentKind = ValueKind.Integer;
            _currentMax = skipMax + 1;
        }

        private void Restore(string current, ValueKind kind, int? max)
        {
            _current = current;
            _currentKind = kind;
            _currentMax = max;
        }

        private void Add(LayerInfo layer) => Layers.Add(layer);
    }
}
