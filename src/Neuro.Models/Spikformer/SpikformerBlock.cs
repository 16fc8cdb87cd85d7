using Neuro.Core.Architecture;
using Neuro.Models.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>One transformer block (<c>blocks.i</c>): x + SSA(x) (<c>add_attn</c>), then + MLP (<c>add_mlp</c>). The sums are small integers, not spikes.</summary>
public sealed class SpikformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly SpikingSelfAttention attn;
    private readonly SpikingMlp mlp;

    private SpikformerBlock(int index, ArchitectureConfig config, ActivityTap tap) : base($"{index}")
    {
        string path = $"blocks.{index}";
        attn = SpikingSelfAttention.Create($"{path}.attn", config, config.Blocks[index], tap);
        mlp = SpikingMlp.Create($"{path}.mlp", config, config.Blocks[index], tap);
        RegisterComponents();
    }

    internal static SpikformerBlock Create(int index, ArchitectureConfig config, ActivityTap tap) => new(index, config, tap);

    public override Tensor forward(Tensor x) => AddMlp(x.add(attn.forward(x), KeptScalars.One));

    private Tensor AddMlp(Tensor x) => x.add(mlp.forward(x), KeptScalars.One);

    internal void Activate(int embedDim, BlockConfig block, double attentionThreshold)
    {
        attn.Activate(embedDim, block, attentionThreshold);
        mlp.Activate(embedDim, block);
    }
}
