using Neuro.Core.Architecture;
using Neuro.Models.Layers;
using Neuro.Models.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>
/// The SPS stem (<c>sps.*</c>): four 3×3 conv → BN → LIF stages of widths C/8, C/4, C/2, C, each optionally followed
/// by a 3×3 stride-2 padding-1 max-pool, then a relative-position conv → BN → LIF whose spikes are added to its own
/// input (official cifar10dvs/model.py). Maps frames <c>[T, B, channels, H, W]</c> to tokens <c>[T, B, N, C]</c>.
/// </summary>
public sealed class SpikingPatchSplitting : nn.Module<Tensor, Tensor>
{
    private readonly ElasticConv2d[] _convs;
    private readonly ElasticBatchNorm[] _norms;
    private readonly MultiStepLif[] _lifs;
    private readonly bool[] _poolAfter;
    // Module-typed fields carry their state-dict names: the parent's RegisterComponents registers fields by name.
    private readonly ElasticConv2d rpe_conv;
    private readonly ElasticBatchNorm rpe_bn;
    private readonly MultiStepLif rpe_lif;
    private readonly ActivityTap _tap;

    private SpikingPatchSplitting(ArchitectureConfig config, ActivityTap tap) : base("sps")
    {
        _tap = tap;
        _poolAfter = config.Sps.MaxPoolAfter.ToArray();
        _convs = new ElasticConv2d[SpsConfig.Stages];
        _norms = new ElasticBatchNorm[SpsConfig.Stages];
        _lifs = new MultiStepLif[SpsConfig.Stages];
        int channels = config.Input.Channels;
        for (int stage = 0; stage < SpsConfig.Stages; stage++)
        {
            int width = config.EmbedDim / SpsConfig.StageDivisors[stage];
            _convs[stage] = ElasticConv2d.Create($"conv{stage}", channels, width);
            _norms[stage] = ElasticBatchNorm.Create($"bn{stage}", width);
            _lifs[stage] = MultiStepLif.Create($"sps.lif{stage}", config.Sps.Lif, tap);
            channels = width;
        }
        rpe_conv = ElasticConv2d.Create("rpe_conv", channels, channels);
        rpe_bn = ElasticBatchNorm.Create("rpe_bn", channels);
        rpe_lif = MultiStepLif.Create("sps.rpe_lif", config.Sps.Lif, tap);

        // The stages are registered by hand because their state-dict keys (sps.conv0, sps.bn0, …) must follow the
        // LayerTable's names and execution order, which arrays of fields cannot express.
        for (int stage = 0; stage < SpsConfig.Stages; stage++)
        {
            register_module($"conv{stage}", _convs[stage]);
            register_module($"bn{stage}", _norms[stage]);
            register_module($"lif{stage}", _lifs[stage]);
        }
        register_module("rpe_conv", rpe_conv);
        register_module("rpe_bn", rpe_bn);
        register_module("rpe_lif", rpe_lif);
    }

    internal static SpikingPatchSplitting Create(ArchitectureConfig config, ActivityTap tap) => new(config, tap);

    public override Tensor forward(Tensor frames) => Tokens(Stem(frames));

    /// <summary>Sets the active embedding dim (stage widths follow) and the neuron of every SPS LIF.</summary>
    internal void Activate(int embedDim, LifParameters lif)
    {
        for (int stage = 0; stage < SpsConfig.Stages; stage++)
        {
            int width = embedDim / SpsConfig.StageDivisors[stage];
            _convs[stage].ActiveOut = width;
            if (stage > 0)
                _convs[stage].ActiveIn = embedDim / SpsConfig.StageDivisors[stage - 1];
            _norms[stage].ActiveFeatures = width;
            SetNeuron(_lifs[stage], lif);
        }
        rpe_conv.ActiveIn = rpe_conv.ActiveOut = rpe_bn.ActiveFeatures = embedDim;
        SetNeuron(rpe_lif, lif);
    }

    private static void SetNeuron(MultiStepLif lif, LifParameters parameters) =>
        (lif.Threshold, lif.Tau) = (parameters.Threshold, parameters.Tau);

    private Tensor Stem(Tensor frames)
    {
        var x = frames;
        for (int stage = 0; stage < SpsConfig.Stages; stage++)
        {
            x = ConvNormFire(_convs[stage], _norms[stage], _lifs[stage], x);
            // The maximum of spikes is a spike: the pooled output is 0/1 as well.
            if (_poolAfter[stage])
                x = _tap.RecordSpikes($"sps.pool{stage}", MaxPool(x));
        }
        return x.add(ConvNormFire(rpe_conv, rpe_bn, rpe_lif, x), KeptScalars.One);
    }

    /// <summary>Conv and BN see T·B images at once; the LIF needs time back as the leading axis.</summary>
    private static Tensor ConvNormFire(ElasticConv2d conv, ElasticBatchNorm norm, MultiStepLif lif, Tensor x)
    {
        long steps = x.shape[0], batch = x.shape[1];
        var current = conv.ForwardNormalized(x.flatten(0, 1), norm);
        return lif.forward(current.reshape([steps, batch, .. current.shape[1..]]));
    }

    private static Tensor MaxPool(Tensor x)
    {
        var pooled = nn.functional.max_pool2d(x.flatten(0, 1), kernel_size: 3, stride: 2, padding: 1);
        return pooled.reshape([x.shape[0], x.shape[1], .. pooled.shape[1..]]);
    }

    /// <summary><c>[T, B, C, H, W]</c> → <c>[T, B, H·W, C]</c>: token n is pixel (n / W, n % W).</summary>
    private static Tensor Tokens(Tensor x) => x.flatten(3).transpose(2, 3);
}
