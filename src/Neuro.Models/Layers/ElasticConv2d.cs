using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// A bias-free 3×3, stride-1, padding-1 convolution (the SPS convs; state-dict key <c>weight</c>
/// <c>[out, in, 3, 3]</c>) that can run on its first <see cref="ActiveIn"/> input and <see cref="ActiveOut"/>
/// output channels, for weight entanglement.
/// </summary>
public sealed class ElasticConv2d : LeafModule
{
    private const int Kernel = 3;

    private ElasticConv2d(string name, int inChannels, int outChannels) : base(name)
    {
        InChannels = ActiveIn = inChannels;
        OutChannels = ActiveOut = outChannels;
        var weight = empty(outChannels, inChannels, Kernel, Kernel);
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        register_parameter("weight", new Parameter(weight));
    }

    /// <summary>Creates a convolution of the given (largest) size, fully active.</summary>
    public static ElasticConv2d Create(string name, int inChannels, int outChannels) => new(name, inChannels, outChannels);

    /// <summary>Input channels of the full kernel.</summary>
    public int InChannels { get; }

    /// <summary>Output channels of the full kernel.</summary>
    public int OutChannels { get; }

    /// <summary>Input channels in use (≤ <see cref="InChannels"/>).</summary>
    public int ActiveIn { get; set; }

    /// <summary>Output channels in use (≤ <see cref="OutChannels"/>).</summary>
    public int ActiveOut { get; set; }

    /// <summary>When set, <see cref="ForwardNormalized"/> runs the compiler's int8 weights (quantization-aware fine-tuning).</summary>
    public bool QuantizationAware { get; set; }

    /// <summary>Convolves <c>[N, ActiveIn, H, W]</c> into <c>[N, ActiveOut, H, W]</c>.</summary>
    public override Tensor forward(Tensor input) =>
        nn.functional.conv2d(input, Entangled.Corner(get_parameter("weight")!, ActiveOut, ActiveIn), padding: [1, 1]);

    /// <summary>
    /// <paramref name="norm"/>(conv(<paramref name="input"/>)); quantization-aware, the BN (eval statistics) is folded into the
    /// weights, which are rounded to the int8 grid the compiler emits.
    /// </summary>
    public Tensor ForwardNormalized(Tensor input, ElasticBatchNorm norm)
    {
        if (!QuantizationAware)
            return norm.forward(forward(input));
        var (weight, bias) = FakeQuantization.FoldPerChannel(Entangled.Corner(get_parameter("weight")!, ActiveOut, ActiveIn), null, norm);
        return nn.functional.conv2d(input, weight, bias, padding: [1, 1]);
    }
}
