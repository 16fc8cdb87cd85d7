using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Core.Errors;
using Neuro.Models.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>
/// A Spikformer built from an <see cref="ArchitectureConfig"/>, following the official ZK-Zhou/spikformer code
/// (cifar10dvs/model.py): SPS stem, <see cref="ArchitectureConfig.Depth"/> blocks of spiking self-attention and MLP
/// with residual adds, and a head that averages tokens and time before a linear layer.
/// <para>
/// Input is frames <c>[T, B, channels, H/d, W/d]</c>, already downsampled by d = <see cref="InputSpec.Downsample"/>:
/// framing (Neuro.Data) pools the sensor, so the model never sees the full sensor resolution. Output is logits
/// <c>[B, classes]</c>. Module paths equal the <see cref="LayerTable"/> names, so state-dict keys read
/// <c>sps.conv0.weight</c>, <c>blocks.0.attn.q_linear.weight</c>, <c>head.linear.bias</c>.
/// </para>
/// <para>
/// Every layer can run on the leading part of its weights (<see cref="Activate"/>): a model built at a search space's
/// largest config is the supernet of <see cref="Supernet.SpikformerSupernet"/>.
/// </para>
/// </summary>
public sealed class SpikformerModel : nn.Module<Tensor, Tensor>
{
    private readonly SpikingPatchSplitting sps;
    private readonly ModuleList<SpikformerBlock> blocks;
    private readonly SpikformerHead head;
    private readonly ActivityTap _tap;
    private int _activeDepth;
    private bool _quantizationAware;

    private SpikformerModel(ArchitectureConfig config) : base("spikformer")
    {
        Config = ActiveConfig = ArchitectureValidator.EnsureValid(config);
        _tap = new ActivityTap();
        sps = SpikingPatchSplitting.Create(config, _tap);
        blocks = new ModuleList<SpikformerBlock>(
            Enumerable.Range(0, config.Depth).Select(index => SpikformerBlock.Create(index, config, _tap)).ToArray());
        head = SpikformerHead.Create(config);
        _activeDepth = config.Depth;
        RegisterComponents();
    }

    /// <summary>Builds a freshly initialised model for <paramref name="config"/> on the CPU (move it with <c>to(device)</c>).</summary>
    /// <exception cref="ConfigValidationException">The config is invalid.</exception>
    public static SpikformerModel Create(ArchitectureConfig config) => new(config);

    /// <summary>The config the model was built for: the shape of its weights.</summary>
    public ArchitectureConfig Config { get; }

    /// <summary>The config the forward pass computes: <see cref="Config"/> unless a smaller one was activated.</summary>
    public ArchitectureConfig ActiveConfig { get; private set; }

    /// <summary>
    /// Quantization-aware mode: every conv/linear with its BN runs the int8 weights the compiler will emit (folded, rounded,
    /// straight-through gradients), so fine-tuning in this mode makes the float model agree with its spike program.
    /// BN statistics are frozen at their running values meanwhile.
    /// </summary>
    public bool QuantizationAware
    {
        get => _quantizationAware;
        set
        {
            _quantizationAware = value;
            foreach (var module in modules())
            {
                if (module is Layers.ElasticConv2d conv)
                    conv.QuantizationAware = value;
                else if (module is Layers.ElasticLinear linear)
                    linear.QuantizationAware = value;
            }
        }
    }

    /// <summary>Logits <c>[B, classes]</c> of frames <c>[T, B, channels, H/d, W/d]</c>.</summary>
    public override Tensor forward(Tensor frames) => head.forward(Blocks(sps.forward(_tap.Record(LayerTable.InputName, frames))));

    /// <summary>
    /// Runs <paramref name="evaluate"/> while recording the mean output per element per step of every LIF and max-pool
    /// layer and of the input, keyed by LayerTable names.
    /// </summary>
    public FiringRates RecordFiringRates(Action evaluate)
    {
        var recorder = new ActivityRecorder();
        _tap.Recorder = recorder;
        try
        {
            evaluate();
        }
        finally
        {
            _tap.Recorder = null;
        }
        return recorder.ToFiringRates();
    }

    /// <summary>
    /// Makes the forward pass compute <paramref name="subnet"/> with the leading part of this model's weights: the first
    /// <c>subnet.Depth</c> blocks, the first channels of every conv, linear and BN, the subnet's heads and neurons.
    /// </summary>
    /// <exception cref="NeuroException">The subnet does not fit inside <see cref="Config"/>.</exception>
    public void Activate(ArchitectureConfig subnet)
    {
        EnsureFits(subnet);
        sps.Activate(subnet.EmbedDim, subnet.Sps.Lif);
        for (int index = 0; index < subnet.Depth; index++)
            blocks[index].Activate(subnet.EmbedDim, subnet.Blocks[index], subnet.AttentionThreshold);
        head.Activate(subnet.EmbedDim);
        _activeDepth = subnet.Depth;
        ActiveConfig = subnet;
    }

    private Tensor Blocks(Tensor tokens)
    {
        for (int index = 0; index < _activeDepth; index++)
            tokens = blocks[index].forward(tokens);
        return tokens;
    }

    private void EnsureFits(ArchitectureConfig subnet)
    {
        ArchitectureValidator.EnsureValid(subnet);
        var problems = new List<string>();
        if (subnet.Input != Config.Input) problems.Add($"input {subnet.Input} differs from {Config.Input}");
        if (subnet.Classes != Config.Classes) problems.Add($"classes {subnet.Classes} differ from {Config.Classes}");
        if (!subnet.Sps.MaxPoolAfter.SequenceEqual(Config.Sps.MaxPoolAfter)) problems.Add("SPS max-pools differ");
        if (subnet.AttentionOrder != Config.AttentionOrder) problems.Add("attention order differs");
        if (!subnet.AttentionScale.Equals(Config.AttentionScale)) problems.Add("attention scale differs");
        if (subnet.Bias != Config.Bias) problems.Add("bias placement differs");
        if (subnet.EmbedDim > Config.EmbedDim) problems.Add($"embed dim {subnet.EmbedDim} > {Config.EmbedDim}");
        if (subnet.Depth > Config.Depth) problems.Add($"depth {subnet.Depth} > {Config.Depth}");
        for (int index = 0; index < Math.Min(subnet.Depth, Config.Depth); index++)
        {
            int hidden = subnet.Blocks[index].MlpHidden(subnet.EmbedDim), largest = Config.Blocks[index].MlpHidden(Config.EmbedDim);
            if (hidden > largest) problems.Add($"block {index} MLP width {hidden} > {largest}");
        }
        if (problems.Count > 0)
            throw new NeuroException($"config '{subnet.Name}' does not fit inside '{Config.Name}': {string.Join("; ", problems)}");
    }
}
