using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// A linear layer (state-dict keys <c>weight</c> <c>[out, in]</c> and optional <c>bias</c>, like <c>nn.Linear</c>) that
/// can run on the leading <see cref="ActiveIn"/> × <see cref="ActiveOut"/> corner of its weights: AutoFormer's weight
/// entanglement, where every subnet of a supernet shares the first channels of the largest layer.
/// </summary>
public sealed class ElasticLinear : LeafModule
{
    private ElasticLinear(string name, int inFeatures, int outFeatures, bool hasBias) : base(name)
    {
        InFeatures = ActiveIn = inFeatures;
        OutFeatures = ActiveOut = outFeatures;
        var weight = empty(outFeatures, inFeatures);
        // nn.Linear's default initialisation, so a standalone model trains like the official one.
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        register_parameter("weight", new Parameter(weight));
        if (hasBias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            register_parameter("bias", new Parameter(empty(outFeatures).uniform_(-bound, bound)));
        }
    }

    /// <summary>Creates a layer of the given (largest) size, fully active.</summary>
    public static ElasticLinear Create(string name, int inFeatures, int outFeatures, bool hasBias) =>
        new(name, inFeatures, outFeatures, hasBias);

    /// <summary>Input features of the full weight.</summary>
    public int InFeatures { get; }

    /// <summary>Output features of the full weight.</summary>
    public int OutFeatures { get; }

    /// <summary>Input features in use (≤ <see cref="InFeatures"/>).</summary>
    public int ActiveIn { get; set; }

    /// <summary>Output features in use (≤ <see cref="OutFeatures"/>).</summary>
    public int ActiveOut { get; set; }

    /// <summary>When set, the normalized and mean forms run the compiler's int8 weights (quantization-aware fine-tuning).</summary>
    public bool QuantizationAware { get; set; }

    public override Tensor forward(Tensor input) => nn.functional.linear(input, ActiveWeight, ActiveBias);

    /// <summary>
    /// <paramref name="norm"/>(linear(x)) over tokens <c>[…, ActiveIn]</c>, the BN normalising the last axis; quantization-aware,
    /// the BN (eval statistics) is folded into the weights, which are rounded to the compiler's int8 grid.
    /// </summary>
    public Tensor ForwardNormalized(Tensor input, ElasticBatchNorm norm)
    {
        if (!QuantizationAware)
        {
            var current = forward(input);
            return norm.forward(current.reshape(-1, current.shape[^1])).reshape(current.shape);
        }
        var (weight, bias) = FakeQuantization.FoldPerChannel(ActiveWeight, ActiveBias, norm);
        return nn.functional.linear(input, weight, bias);
    }

    /// <summary>
    /// The head over a mean of <paramref name="meanDenominator"/> terms; quantization-aware, with one int8 scale for the
    /// whole weight and the readout's bias grid, as the compiler emits it.
    /// </summary>
    public Tensor ForwardMean(Tensor mean, long meanDenominator)
    {
        if (!QuantizationAware)
            return forward(mean);
        var (weight, bias) = FakeQuantization.PerTensor(ActiveWeight, ActiveBias, meanDenominator);
        return nn.functional.linear(mean, weight, bias);
    }

    private Tensor ActiveWeight => Entangled.Corner(get_parameter("weight")!, ActiveOut, ActiveIn);

    private Tensor? ActiveBias => get_parameter("bias") is { } bias ? Entangled.Corner(bias, ActiveOut) : null;
}
