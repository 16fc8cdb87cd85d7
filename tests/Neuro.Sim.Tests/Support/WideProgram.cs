using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.Sim.Tests.Support;

/// <summary>
/// A Spikformer-shaped program wide enough (O = 70 and 80, I = 96, tokens of 36 × 32 channels) to run every vector tile,
/// the scalar tails and every conv pass, with thresholds low enough that every layer fires.
/// </summary>
internal static class WideProgram
{
    public static VerifiedProgram Build(int seed, bool linearAttention, bool counts)
    {
        var random = new SplitMix64((ulong)seed + 1000);
        var input = new InputSpec(2, 6, 6, 2, counts ? FrameEncoding.Counts : FrameEncoding.Binary, SplitMode.Number, 2, 12, 12);
        var b = new ProgramBuilder($"wide-{seed}", input);
        int x = b.Conv2d("sps.conv0", b.Input, 70, Weights(random, 70 * 2 * 9), Bias(random, 70), dense: counts);
        x = b.Lif("sps.lif0", x, [3], 32768);
        x = b.Conv2d("sps.conv1", x, 32, Weights(random, 32 * 70 * 9), Bias(random, 32));
        x = b.Lif("sps.lif1", x, [.. Enumerable.Range(0, 32).Select(_ => random.Next(1, 12))], 21845, 2);
        x = b.ToTokens("sps.tokens", x);
        int q = LinearLif(b, random, "attn.q", x, 32);
        int k = LinearLif(b, random, "attn.k", x, 32);
        int v = LinearLif(b, random, "attn.v", x, 32);
        int attention = linearAttention
            ? b.MatMulQKV("attn.qkv", q, b.MatMulKV("attn.kv", k, v, 2), 2)
            : b.MatMulAV("attn.av", b.MatMulQK("attn.qk", q, k, 2), v, 2);
        int spikes = b.Lif("attn.lif", attention, [8], 65536);
        x = b.Add("add", x, spikes);
        int hidden = b.Linear("mlp.fc1", x, 96, Weights(random, 96 * 32), Bias(random, 96));
        hidden = b.Lif("mlp.lif1", hidden, [2], 49152, 1);
        int mlp = b.Linear("mlp.fc2", hidden, 80, Weights(random, 80 * 96));
        int mlpSpikes = b.Lif("mlp.lif2", mlp, [4], 65536);
        int tokens = b.Linear("mlp.fc3", mlpSpikes, 32, Weights(random, 32 * 80));
        x = b.Add("add2", x, b.Lif("mlp.lif3", tokens, [3], 65536));
        b.Readout("head", x, 5, Weights(random, 5 * 32), Bias(random, 5));
        return b.BuildVerified();
    }

    /// <summary>A sample whose nonzero fraction is about <paramref name="percent"/>; counts programs get values up to 7.</summary>
    public static byte[] Sample(SpikeProgram program, int seed, int percent)
    {
        var random = new SplitMix64((ulong)seed * 7919 + (ulong)percent);
        var sample = new byte[program.Input.TimeSteps * program.Input.FrameLength];
        for (int i = 0; i < sample.Length; i++)
        {
            if (random.Chance(percent))
                sample[i] = (byte)(program.Input.Encoding == FrameEncoding.Binary ? 1 : random.Next(1, 7));
        }
        return sample;
    }

    private static int LinearLif(ProgramBuilder b, SplitMix64 random, string name, int input, int features)
    {
        int inFeatures = b.ShapeOf(input)[1];
        int acc = b.Linear(name + "_linear", input, features, Weights(random, features * inFeatures), Bias(random, features));
        return b.Lif(name + "_lif", acc, [2], 43691);
    }

    private static sbyte[] Weights(SplitMix64 random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (sbyte)(random.Chance(3) ? (random.Chance(50) ? -128 : 127) : random.Next(-6, 9)))];

    private static int[] Bias(SplitMix64 random, int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(-5, 5))];
}
