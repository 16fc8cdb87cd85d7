using Neuro.Core.Architecture;
using Neuro.Models.Layers;
using Neuro.Models.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>
/// The linear → BN → LIF triple every SSA projection and MLP layer is made of (the official code's 1×1
/// <c>Conv1d</c> + <c>BatchNorm1d</c> + <c>MultiStepLIFNode</c>). Not a module itself: its three modules register
/// on the owner as <c>{prefix}_linear</c>, <c>{prefix}_bn</c>, <c>{prefix}_lif</c>, the LayerTable's names.
/// </summary>
internal sealed class LinearNormFire
{
    public LinearNormFire(string path, string prefix, int inFeatures, int outFeatures, bool bias, LifParameters lif, ActivityTap tap)
    {
        Prefix = prefix;
        Linear = ElasticLinear.Create($"{prefix}_linear", inFeatures, outFeatures, bias);
        Norm = ElasticBatchNorm.Create($"{prefix}_bn", outFeatures);
        Lif = MultiStepLif.Create($"{path}.{prefix}_lif", lif, tap);
    }

    public string Prefix { get; }

    public ElasticLinear Linear { get; }

    public ElasticBatchNorm Norm { get; }

    public MultiStepLif Lif { get; }

    /// <summary>Registers the three modules on <paramref name="owner"/> under the LayerTable's names.</summary>
    public void RegisterOn(nn.Module owner)
    {
        owner.register_module($"{Prefix}_linear", Linear);
        owner.register_module($"{Prefix}_bn", Norm);
        owner.register_module($"{Prefix}_lif", Lif);
    }

    /// <summary>Sets the active widths and neuron.</summary>
    public void Activate(int inFeatures, int outFeatures, LifParameters lif)
    {
        Linear.ActiveIn = inFeatures;
        Linear.ActiveOut = Norm.ActiveFeatures = outFeatures;
        (Lif.Threshold, Lif.Tau) = (lif.Threshold, lif.Tau);
    }

    /// <summary>Tokens <c>[T, B, N, in]</c> to spikes <c>[T, B, N, out]</c>; BN normalises over all T·B·N tokens, like BatchNorm1d on <c>[T·B, C, N]</c>.</summary>
    public Tensor Forward(Tensor x)
    {
        return Lif.forward(Linear.ForwardNormalized(x, Norm));
    }
}
