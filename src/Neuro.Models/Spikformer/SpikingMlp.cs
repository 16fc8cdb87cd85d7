using Neuro.Core.Architecture;
using Neuro.Models.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>The spiking MLP (<c>blocks.i.mlp.*</c>): fc1 linear → BN → LIF to the hidden width, fc2 back to C.</summary>
public sealed class SpikingMlp : nn.Module<Tensor, Tensor>
{
    private readonly LinearNormFire _fc1, _fc2;

    private SpikingMlp(string path, ArchitectureConfig config, BlockConfig block, ActivityTap tap) : base("mlp")
    {
        int c = config.EmbedDim, hidden = block.MlpHidden(c);
        _fc1 = new LinearNormFire(path, "fc1", c, hidden, config.Bias.Mlp, block.Lif, tap);
        _fc2 = new LinearNormFire(path, "fc2", hidden, c, config.Bias.Mlp, block.Lif, tap);
        _fc1.RegisterOn(this);
        _fc2.RegisterOn(this);
    }

    internal static SpikingMlp Create(string path, ArchitectureConfig config, BlockConfig block, ActivityTap tap) =>
        new(path, config, block, tap);

    /// <summary>Tokens <c>[T, B, N, C]</c> to spikes <c>[T, B, N, C]</c>.</summary>
    public override Tensor forward(Tensor x) => _fc2.Forward(_fc1.Forward(x));

    internal void Activate(int embedDim, BlockConfig block)
    {
        int hidden = block.MlpHidden(embedDim);
        _fc1.Activate(embedDim, hidden, block.Lif);
        _fc2.Activate(hidden, embedDim, block.Lif);
    }
}
