using Neuro.Program;

namespace Neuro.Program.Tests.Support;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose output is fixed by its definition, so
/// the same seed gives the same programs and samples in C#, in the simulator's tests and in C.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform-enough integer in [<paramref name="min"/>, <paramref name="max"/>] (modulo bias is irrelevant here).</summary>
    public int Next(int min, int max) => min + (int)(NextUInt64() % (ulong)(max - min + 1));

    public bool Chance(int percent) => Next(0, 99) < percent;
}

/// <summary>
/// Deterministic, valid mini Spikformer-like programs (SPS stem with convs, LIFs and optional pools, 1–2
/// blocks of spiking self-attention in either order with residual adds and an MLP, and a readout), with
/// matching samples. Shared test vectors for the reference interpreter, the simulator and the C runtime;
/// kept free of xunit so it can move to a shared test-support project.
/// </summary>
public static class RandomProgramGenerator
{
    private static readonly int[] Leaks = [IntegerMath.MaxLeak, 32768, 21845, 43691, 49152];

    /// <summary>The program of <paramref name="seed"/>.</summary>
    public static SpikeProgram Generate(ulong seed)
    {
        var random = new SplitMix64(seed);
        int height = random.Next(3, 8), width = random.Next(3, 8), downsample = random.Next(1, 4);
        var input = new InputSpec(
            Channels: random.Next(1, 2), Height: height, Width: width, TimeSteps: random.Next(1, 4),
            Encoding: random.Chance(50) ? FrameEncoding.Counts : FrameEncoding.Binary,
            Split: random.Chance(50) ? SplitMode.Number : SplitMode.Time,
            Downsample: downsample, SensorWidth: width * downsample, SensorHeight: height * downsample);
        int heads = random.Next(1, 2), embed = heads * random.Next(2, 4);
        var b = new ProgramBuilder($"random-{seed}", input);
        var g = new Layers(b, random);

        int x = g.ConvLif("sps.conv0", "sps.lif0", b.Input, random.Next(1, 3), dense: input.Encoding == FrameEncoding.Counts);
        if (random.Chance(50))
            x = b.MaxPool("sps.pool0", x);
        x = g.ConvLif("sps.conv1", "sps.lif1", x, embed, dense: false);
        if (random.Chance(50))
            x = b.MaxPool("sps.pool1", x);
        int rpe = g.ConvLif("sps.rpe_conv", "sps.rpe_lif", x, embed, dense: false);
        x = b.ToTokens("sps.tokens", b.Add("sps.add", x, rpe));

        int depth = random.Next(1, 2);
        for (int block = 0; block < depth; block++)
        {
            string p = $"blocks.{block}";
            int q = g.LinearLif($"{p}.attn.q_linear", $"{p}.attn.q_lif", x, embed);
            int k = g.LinearLif($"{p}.attn.k_linear", $"{p}.attn.k_lif", x, embed);
            int v = g.LinearLif($"{p}.attn.v_linear", $"{p}.attn.v_lif", x, embed);
            int attention = random.Chance(50)
                ? b.MatMulAV($"{p}.attn.av", b.MatMulQK($"{p}.attn.qk", q, k, heads), v, heads)
                : b.MatMulQKV($"{p}.attn.qkv", q, b.MatMulKV($"{p}.attn.kv", k, v, heads), heads);
            int tokens = b.ShapeOf(x)[0];
            // The attention scale is folded into θ: a few coincidences per head dimension must fire.
            int spikes = g.Lif($"{p}.attn.attn_lif", attention, [random.Next(1, Math.Max(1, tokens * embed / heads / 4))]);
            int projected = g.LinearLif($"{p}.attn.proj_linear", $"{p}.attn.proj_lif", spikes, embed);
            x = b.Add($"{p}.add_attn", x, projected);
            int hidden = g.LinearLif($"{p}.mlp.fc1_linear", $"{p}.mlp.fc1_lif", x, embed * random.Next(1, 2));
            int mlp = g.LinearLif($"{p}.mlp.fc2_linear", $"{p}.mlp.fc2_lif", hidden, embed);
            x = b.Add($"{p}.add_mlp", x, mlp);
        }

        int classes = random.Next(2, 5);
        b.Readout("head", x, classes, g.Weights(classes * embed), g.MaybeBias(classes, 50));
        return b.Build();
    }

    /// <summary>A sample for <paramref name="program"/>: uint8 [T, C, H, W], binary or sparse counts with the odd 255.</summary>
    public static byte[] Sample(SpikeProgram program, ulong seed)
    {
        var random = new SplitMix64(seed ^ 0x5A5A5A5A5A5A5A5AUL);
        var input = program.Input;
        var sample = new byte[input.TimeSteps * input.FrameLength];
        for (int i = 0; i < sample.Length; i++)
        {
            if (input.Encoding == FrameEncoding.Binary)
                sample[i] = (byte)(random.Chance(35) ? 1 : 0);
            else
                sample[i] = (byte)(random.Chance(55) ? 0 : random.Chance(3) ? 255 : random.Next(1, 6));
        }
        return sample;
    }

    private sealed class Layers(ProgramBuilder b, SplitMix64 random)
    {
        public int ConvLif(string conv, string lif, int input, int outChannels, bool dense)
        {
            int inChannels = b.ShapeOf(input)[0];
            int acc = b.Conv2d(conv, input, outChannels, Weights(outChannels * inChannels * 9), MaybeBias(outChannels, 70), dense);
            return Lif(lif, acc, Thresholds(outChannels, fanIn: inChannels * 9));
        }

        public int LinearLif(string linear, string lif, int input, int outFeatures)
        {
            int inFeatures = b.ShapeOf(input)[1];
            int acc = b.Linear(linear, input, outFeatures, Weights(outFeatures * inFeatures), MaybeBias(outFeatures, 50));
            return Lif(lif, acc, Thresholds(outFeatures, fanIn: inFeatures));
        }

        public int Lif(string name, int input, int[] thresholds)
        {
            int fractionalBits = random.Next(0, 4);
            return b.Lif(name, input, [.. thresholds.Select(t => t << fractionalBits)], Leaks[random.Next(0, Leaks.Length - 1)], fractionalBits);
        }

        public sbyte[] Weights(int count)
        {
            var weights = new sbyte[count];
            for (int i = 0; i < count; i++)
                weights[i] = (sbyte)(random.Chance(2) ? (random.Chance(50) ? -128 : 127) : random.Next(-10, 14));
            return weights;
        }

        public int[] MaybeBias(int count, int percent) =>
            random.Chance(percent) ? [.. Enumerable.Range(0, count).Select(_ => random.Next(-20, 20))] : [];

        private int[] Thresholds(int channels, int fanIn) =>
            random.Chance(30) ? [random.Next(1, 2 * fanIn)] : [.. Enumerable.Range(0, channels).Select(_ => random.Next(1, 2 * fanIn))];
    }
}
