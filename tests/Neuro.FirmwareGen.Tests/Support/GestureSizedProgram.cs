using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.FirmwareGen.Tests.Support;

/// <summary>
/// A Spikformer-shaped program at DVS128 Gesture scale (2 polarity channels, 11 classes, one encoder block
/// with spiking self-attention and an MLP), with seeded weights: what a compiled gesture model asks of a
/// board, for footprint and fit tests until the compiler produces real ones. The sensor is 128×128;
/// <paramref name="side"/> is the frame side after downsampling.
/// </summary>
internal static class GestureSizedProgram
{
    public static SpikeProgram Build(int side, int embed = 32, int hidden = 64, int heads = 2, int timeSteps = 4)
    {
        var random = new SplitMix64(2024);
        var input = new InputSpec(2, side, side, timeSteps, FrameEncoding.Counts, SplitMode.Time, 128 / side, 128, 128);
        var b = new ProgramBuilder($"gesture-{side}", input);

        int ConvLif(string name, int from, int outChannels, bool dense)
        {
            int inChannels = b.ShapeOf(from)[0];
            int acc = b.Conv2d($"{name}.conv", from, outChannels, Weights(random, outChannels * inChannels * 9), dense: dense);
            return b.Lif($"{name}.lif", acc, [inChannels * 9], 49152);
        }

        int LinearLif(string name, int from, int outFeatures)
        {
            int inFeatures = b.ShapeOf(from)[1];
            int acc = b.Linear($"{name}.linear", from, outFeatures, Weights(random, outFeatures * inFeatures));
            return b.Lif($"{name}.lif", acc, [inFeatures], 49152);
        }

        int x = b.MaxPool("sps.pool0", ConvLif("sps.0", b.Input, embed / 2, dense: true));
        x = b.MaxPool("sps.pool1", ConvLif("sps.1", x, embed, dense: false));
        int rpe = ConvLif("sps.rpe", x, embed, dense: false);
        x = b.ToTokens("sps.tokens", b.Add("sps.add", x, rpe));
        int tokens = b.ShapeOf(x)[0];

        int q = LinearLif("blocks.0.attn.q", x, embed);
        int k = LinearLif("blocks.0.attn.k", x, embed);
        int v = LinearLif("blocks.0.attn.v", x, embed);
        int attention = b.MatMulAV("blocks.0.attn.av", b.MatMulQK("blocks.0.attn.qk", q, k, heads), v, heads);
        int spikes = b.Lif("blocks.0.attn.attn_lif", attention, [Math.Max(1, tokens * embed / heads / 8)], 49152);
        x = b.Add("blocks.0.add_attn", x, LinearLif("blocks.0.attn.proj", spikes, embed));
        x = b.Add("blocks.0.add_mlp", x, LinearLif("blocks.0.mlp.fc2", LinearLif("blocks.0.mlp.fc1", x, hidden), embed));

        const int classes = 11;
        b.Readout("head", x, classes, Weights(random, classes * embed));
        return b.Build();
    }

    private static sbyte[] Weights(SplitMix64 random, int count)
    {
        var weights = new sbyte[count];
        for (int i = 0; i < count; i++)
            weights[i] = (sbyte)random.Next(-12, 12);
        return weights;
    }
}
