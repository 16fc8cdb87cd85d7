using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// A linear layer (state-dict keys <c>weight</c> <c>[out, in]</c> and optional <c>bias</c>, like <c>nn.Linear</c>) that
/// can run on the leading <see cref="ActiveIn"/> × <see cref="ActiveOut"/> corner of its weights: AutoFormer's weight
/// entanglement, where every subnet of a supernet shares the first channels of the largest layer.
/// </summary>
public sealed class ElasticLinear : nn.Module<Tensor, Tensor>
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

    public override Tensor forward(Tensor input) =>
        nn.functional.linear(input, Entangled.Corner(get_parameter("weight")!, ActiveOut, ActiveIn),
            get_parameter("bias") is { } bias ? Entangled.Corner(bias, ActiveOut) : null);
}
