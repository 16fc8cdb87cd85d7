using Neuro.Core.Architecture;
using Neuro.Models.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Spikformer;

/// <summary>
/// Spiking self-attention (<c>blocks.i.attn.*</c>): Q, K, V = LIF(BN(linear(x))) split into heads, the two spike
/// matrix products in <see cref="AttentionOrder"/> (QKFirst: (QKᵀ)V, KVFirst: Q(KᵀV)), the scale, the attention LIF
/// (threshold <see cref="ArchitectureConfig.AttentionThreshold"/>, the block's τ) and the output projection
/// linear → BN → LIF. No softmax: the products of spikes are non-negative already.
/// </summary>
public sealed class SpikingSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly LinearNormFire _q, _k, _v, _proj;
    // Named as its state-dict entry: the parent's RegisterComponents registers module-typed fields by name.
    private readonly MultiStepLif attn_lif;
    private readonly AttentionOrder _order;
    private readonly double _scale;
    private int _heads;

    private SpikingSelfAttention(string path, ArchitectureConfig config, BlockConfig block, ActivityTap tap) : base("attn")
    {
        int c = config.EmbedDim;
        _order = config.AttentionOrder;
        _scale = config.AttentionScale;
        _heads = block.Heads;
        _q = new LinearNormFire(path, "q", c, c, config.Bias.Qkv, block.Lif, tap);
        _k = new LinearNormFire(path, "k", c, c, config.Bias.Qkv, block.Lif, tap);
        _v = new LinearNormFire(path, "v", c, c, config.Bias.Qkv, block.Lif, tap);
        attn_lif = MultiStepLif.Create($"{path}.attn_lif", block.Lif with { Threshold = config.AttentionThreshold }, tap);
        _proj = new LinearNormFire(path, "proj", c, c, config.Bias.Projection, block.Lif, tap);

        // Registration order is the execution order of the LayerTable.
        _q.RegisterOn(this);
        _k.RegisterOn(this);
        _v.RegisterOn(this);
        register_module("attn_lif", attn_lif);
        _proj.RegisterOn(this);
    }

    internal static SpikingSelfAttention Create(string path, ArchitectureConfig config, BlockConfig block, ActivityTap tap) =>
        new(path, config, block, tap);

    /// <summary>Tokens <c>[T, B, N, C]</c> to spikes <c>[T, B, N, C]</c>.</summary>
    public override Tensor forward(Tensor x) => _proj.Forward(attn_lif.forward(Attend(x)));

    internal void Activate(int embedDim, BlockConfig block, double attentionThreshold)
    {
        _heads = block.Heads;
        foreach (var projection in new[] { _q, _k, _v, _proj })
            projection.Activate(embedDim, embedDim, block.Lif);
        (attn_lif.Threshold, attn_lif.Tau) = (attentionThreshold, block.Lif.Tau);
    }

    private Tensor Attend(Tensor x)
    {
        var q = Heads(_q.Forward(x));
        var k = Heads(_k.Forward(x));
        var v = Heads(_v.Forward(x));
        Tensor mixed;
        if (_order == AttentionOrder.QKFirst)
        {
            mixed = q.matmul(k.transpose(-2, -1)).matmul(v);
        }
        else
        {
            mixed = q.matmul(k.transpose(-2, -1).matmul(v));
        }
        // [T, B, h, N, d] → [T, B, N, h·d]: heads side by side, as the official reshape does.
        var merged = mixed.transpose(2, 3);
        using var scale = _scale.ToScalar();
        return merged.reshape([.. merged.shape[..3], -1]).mul(scale);
    }

    /// <summary><c>[T, B, N, C]</c> → <c>[T, B, h, N, C/h]</c>; head j owns channels j·d … j·d + d − 1.</summary>
    private Tensor Heads(Tensor x) =>
        x.reshape([.. x.shape[..3], _heads, x.shape[3] / _heads]).permute(0, 1, 3, 2, 4);
}
