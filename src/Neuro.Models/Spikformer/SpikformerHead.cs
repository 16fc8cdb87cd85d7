using Neuro.Core.Architecture;
using Neuro.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>The classifier (<c>head.*</c>): mean over tokens (<c>head.mean</c>) and time steps, then <c>head.linear</c>.</summary>
public sealed class SpikformerHead : nn.Module<Tensor, Tensor>
{
    private readonly ElasticLinear linear;

    private SpikformerHead(ArchitectureConfig config) : base("head")
    {
        linear = ElasticLinear.Create("linear", config.EmbedDim, config.Classes, config.Bias.Head);
        RegisterComponents();
    }

    internal static SpikformerHead Create(ArchitectureConfig config) => new(config);

    /// <summary>Tokens <c>[T, B, N, C]</c> to logits <c>[B, classes]</c>.</summary>
    public override Tensor forward(Tensor tokens) => linear.ForwardMean(tokens.mean([2]).mean([0]), tokens.shape[0] * tokens.shape[2]);

    internal void Activate(int embedDim) => linear.ActiveIn = embedDim;
}
