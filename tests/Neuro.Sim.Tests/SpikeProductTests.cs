using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Sim.Execution;

namespace Neuro.Sim.Tests;

/// <summary>
/// The whole-step spike kernels (popcount Q·Kᵀ, i16 dense (QKᵀ)·V, mask-walked spike linear) against plain sums and,
/// inside token programs of the microcontroller's shapes and their tails, against the reference interpreter.
/// </summary>
public class SpikeProductTests
{
    public static TheoryData<string> Levels => [.. Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best).Select(l => l.ToString())];

    public static TheoryData<string> VectorLevels => [.. Enum.GetValues<SimdLevel>().Where(l => l is not SimdLevel.Scalar && l <= RowKernels.Best).Select(l => l.ToString())];

    private static readonly (int Tokens, int Heads, int Depth)[] Shapes =
        [(1, 1, 1), (5, 3, 7), (64, 4, 16), (36, 2, 16), (64, 1, 64), (7, 2, 33), (9, 1, 48), (3, 2, 31), (64, 2, 32), (4, 1, 70), (2, 1, 128), (6, 3, 17), (17, 2, 64), (23, 1, 60)];

    [Theory]
    [MemberData(nameof(Levels))]
    public void Popcount_coincidences_equal_the_plain_sum_over_each_head(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        var random = new SplitMix64(7);
        foreach (var (tokens, heads, depth) in Shapes.Where(s => s.Depth <= SpikeProducts.MaxMaskDepth))
        {
            int channels = heads * depth;
            byte[] q = Spikes(random, tokens * channels, 30), k = Spikes(random, tokens * channels, 60);
            var masks = new ulong[2 * heads * tokens];
            var words = new ulong[SpikeProducts.RowWords(channels)];
            SpikeProducts.HeadMasks(q, tokens, channels, heads, masks.AsSpan(0, heads * tokens), words, level);
            SpikeProducts.HeadMasks(k, tokens, channels, heads, masks.AsSpan(heads * tokens), words, level);
            var counts = new int[heads * tokens * tokens];
            SpikeProducts.Coincidences(masks.AsSpan(0, heads * tokens), masks.AsSpan(heads * tokens), tokens, heads, counts, level);
            for (int g = 0; g < heads; g++)
            for (int n = 0; n < tokens; n++)
            for (int m = 0; m < tokens; m++)
            {
                int expected = 0;
                for (int j = 0; j < depth; j++)
                    expected += q[n * channels + g * depth + j] * k[m * channels + g * depth + j];
                Assert.True(expected == counts[(g * tokens + n) * tokens + m], $"{tokens}x{heads}x{depth}: count [{g},{n},{m}] is {counts[(g * tokens + n) * tokens + m]}, expected {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorLevels))]
    public void Dense_counts_times_values_equal_the_plain_sum_for_every_head_width_and_tail(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        var random = new SplitMix64(11);
        foreach (var (tokens, heads, depth) in Shapes)
        {
            int channels = heads * depth;
            byte[] v = Spikes(random, tokens * channels, 40);
            int largest = short.MaxValue / tokens;
            // Counts up to the largest the i16 bound admits, so sums reach 32767 where the shape allows.
            int[] counts = [.. Enumerable.Range(0, heads * tokens * tokens).Select(_ => random.Chance(20) ? largest : random.Next(0, Math.Min(largest, depth) + 1))];
            Assert.True(SpikeProducts.FitsInt16(counts, v, tokens));
            var value16 = new short[v.Length];
            SpikeProducts.Widen(v, value16);
            var output = Enumerable.Repeat(-1, tokens * channels).ToArray();
            SpikeProducts.CountsTimesValues(counts, value16, tokens, channels, heads, output, level);
            for (int n = 0; n < tokens; n++)
            for (int c = 0; c < channels; c++)
            {
                int g = c / depth, expected = 0;
                for (int m = 0; m < tokens; m++)
                    expected += counts[(g * tokens + n) * tokens + m] * v[m * channels + c];
                Assert.True(expected == output[n * channels + c], $"{tokens}x{heads}x{depth}: out [{n},{c}] is {output[n * channels + c]}, expected {expected}");
            }
        }
    }

    /// <summary>The presets' attention shapes (64 × 4 × 16, 64 × 16 × 16) and tails: N not a multiple of 4 or 16, d of 8–64 and past a multiple of 8.</summary>
    private static readonly (int Tokens, int Heads, int Depth)[] QuadShapes =
        [.. Shapes, (64, 16, 16), (64, 8, 8), (35, 3, 8), (50, 2, 32), (63, 1, 64), (13, 4, 24), (128, 1, 16), (30, 2, 40)];

    [Theory]
    [MemberData(nameof(Levels))]
    public void Byte_counts_times_value_quads_equal_the_plain_sum_for_every_shape_density_and_value_range(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        var random = new SplitMix64(13);
        foreach (var (tokens, heads, depth) in QuadShapes)
        foreach (int density in new[] { 0, 5, 50, 100 })
        foreach (int largestValue in new[] { 1, 127 })
        {
            int channels = heads * depth;
            // The largest count the byte form takes for this N and v, so the sums reach the int16 bound where the shape allows.
            int largestCount = Math.Min(byte.MaxValue, short.MaxValue / (tokens * largestValue));
            byte[] v = [.. Enumerable.Range(0, tokens * channels).Select(_ =>
                (byte)(!random.Chance(density) ? 0 : random.Chance(30) ? largestValue : random.Next(1, largestValue)))];
            int[] counts = [.. Enumerable.Range(0, heads * tokens * tokens).Select(_ => random.Chance(30) ? largestCount : random.Next(0, Math.Min(largestCount, depth)))];
            AssertQuadsEqualThePlainSum(counts, v, tokens, heads, level, $"{tokens}x{heads}x{depth} at {density} % up to {largestValue}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Byte_counts_times_value_quads_are_exact_with_every_term_at_the_int16_bound(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        // N · count · v: 32640, 32766, 32385 and 32766, every partial sum a sum of equal terms.
        foreach (var (tokens, count, value) in new[] { (128, 255, 1), (3, 86, 127), (1, 255, 127), (43, 254, 3) })
        {
            int heads = 2, depth = 24;
            AssertQuadsEqualThePlainSum(
                Enumerable.Repeat(count, heads * tokens * tokens).ToArray(), Enumerable.Repeat((byte)value, tokens * heads * depth).ToArray(), tokens, heads, level, $"{tokens} tokens of {count} × {value}");
        }
    }

    [Fact]
    public void Narrowed_counts_report_their_largest_and_a_negative_count_as_the_largest_unsigned()
    {
        int[] counts = [.. Enumerable.Range(0, 2 * 5 * 5).Select(i => i % 7)];
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
        {
            var bytes = Enumerable.Repeat((byte)99, 2 * 5 * SpikeProducts.QuadStride(5)).ToArray();
            Assert.Equal(6u, SpikeProducts.NarrowCounts(counts, 5, bytes, level));
            Assert.Equal(0, bytes[5 * SpikeProducts.QuadStride(5) - 1]);   // the padding of the last row past N = 5
            counts[17] = -1;
            Assert.Equal(uint.MaxValue, SpikeProducts.NarrowCounts(counts, 5, bytes, level));
            counts[17] = 3;
        }
    }

    private static void AssertQuadsEqualThePlainSum(int[] counts, byte[] v, int tokens, int heads, SimdLevel level, string what)
    {
        int channels = v.Length / tokens, depth = channels / heads;
        var bytes = new byte[heads * tokens * SpikeProducts.QuadStride(tokens)];
        uint largestCount = SpikeProducts.NarrowCounts(counts, tokens, bytes, level);
        Assert.Equal((uint)counts.Max(), largestCount);
        Assert.True(largestCount <= byte.MaxValue && SpikeProducts.MaxOf(v) <= sbyte.MaxValue && SpikeProducts.FitsInt16(largestCount, SpikeProducts.MaxOf(v), tokens), what);
        var quads = new uint[SpikeProducts.QuadStride(tokens) / 4 * channels];
        SpikeProducts.InterleaveQuads(v, tokens, channels, quads, level);
        var output = Enumerable.Repeat(-1, tokens * channels).ToArray();
        SpikeProducts.CountsTimesValueQuads(bytes, quads, tokens, channels, heads, output, level);
        for (int n = 0; n < tokens; n++)
        for (int c = 0; c < channels; c++)
        {
            int g = c / depth, expected = 0;
            for (int m = 0; m < tokens; m++)
                expected += counts[(g * tokens + n) * tokens + m] * v[m * channels + c];
            Assert.True(expected == output[n * channels + c], $"{what}: out [{n},{c}] is {output[n * channels + c]}, expected {expected}");
        }
    }

    [Fact]
    public void The_i16_bound_admits_a_sum_of_32767_and_refuses_32768()
    {
        byte[] v = [1, 1, 1];
        Assert.True(SpikeProducts.FitsInt16([10922, 0, 0, 0, 0, 0, 0, 0, 0], v, 3));      // 3 · 10922 = 32766
        Assert.False(SpikeProducts.FitsInt16([10923, 0, 0, 0, 0, 0, 0, 0, 0], v, 3));     // 32769
        Assert.False(SpikeProducts.FitsInt16([1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 255], 3 * 43)); // tokens · 1 · 255 > 32767
        Assert.False(SpikeProducts.FitsInt16([-1, 0, 0, 0, 0, 0, 0, 0, 0], v, 3));        // a negative count is never assumed small
        Assert.True(SpikeProducts.FitsInt16(new int[64 * 64], [.. Enumerable.Repeat((byte)1, 64 * 64)], 64));
    }

    [Fact]
    public void Events_and_sum_count_every_nonzero_byte_at_every_length()
    {
        var random = new SplitMix64(3);
        for (int length = 0; length < 200; length++)
        {
            byte[] driver = [.. Enumerable.Range(0, length).Select(_ => (byte)(random.Chance(40) ? random.Next(1, 256) : 0))];
            Assert.Equal((driver.Count(b => b != 0), driver.Sum(b => (long)b)), SpikeProducts.EventsAndSum(driver));
        }
    }

    /// <summary>Embed, heads, fc1 width, and the conv's channel count (the q/k/v linears' inputs, with a mask tail when not a multiple of 64).</summary>
    public static TheoryData<int, int, int, int> TokenShapes => new()
    {
        { 64, 4, 128, 64 },   // the microcontroller's block
        { 32, 2, 160, 70 },   // fc1 = one 128 chunk + one 32 chunk; a 6-bit mask tail
        { 64, 1, 96, 130 },   // d = 64 masks; two mask words and a tail
        { 48, 3, 256, 20 },   // O = 48 takes the event path; fc1 two 128 chunks
    };

    [Theory]
    [MemberData(nameof(TokenShapes))]
    public void Token_programs_of_spikes_match_the_reference_under_every_instruction_set(int embed, int heads, int hidden, int features)
    {
        var verified = TokenProgram(embed, heads, hidden, features);
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
        {
            var engine = new SimulationEngine(verified, level, ConvPass.ByWork);
            long fired = 0;
            foreach (int density in new[] { 5, 40, 95 })
            {
                var sample = Sample(verified.Program, density);
                BitExactnessTests.AssertSame(verified, engine, sample);
                fired += engine.Run(sample).Counters.Sum(c => c.OutputSum);
            }
            Assert.True(fired > 0);
        }
    }

    /// <summary>
    /// Attention alone on binary tokens of the input (q = k = v, or q doubled by an Add), at 0/5/50/100 % density, under
    /// every instruction set against the reference: the presets' shapes and a tail shape take the byte form, 128 tokens of
    /// 255-channel spikes reach its int16 bound (sums of 32640), counts of 256 take the i16 form and counts of 512 (a sum
    /// past int16) the event path. Each case checks from the reference's trace that its counts are in the form's range.
    /// </summary>
    [Theory]
    [InlineData(8, 8, 64, 4, false, 0, 16)]      // dvsgesture-mcu-1-64
    [InlineData(8, 8, 256, 16, false, 0, 16)]    // spikformer-dvs-2-256
    [InlineData(5, 7, 24, 3, false, 0, 8)]       // N = 35: a padded quad; d = 8: 256-bit columns only
    [InlineData(16, 8, 255, 1, false, 255, 255)] // the byte form's bound at full density
    [InlineData(8, 8, 128, 1, true, 256, 256)]   // counts past a byte: the i16 form
    [InlineData(8, 8, 256, 1, true, 512, 512)]   // 64 · 512 > 32767: the event path
    public void Attention_on_tokens_matches_the_reference_in_every_form_and_instruction_set(int height, int width, int channels, int heads, bool doubled, int fullCountAtLeast, int fullCountAtMost)
    {
        var random = new SplitMix64((ulong)(channels * 100 + heads));
        var input = new InputSpec(channels, height, width, 2, FrameEncoding.Binary, SplitMode.Number, 1, Math.Max(height, width), Math.Max(height, width));
        var b = new ProgramBuilder($"attention-{channels}-{heads}-{doubled}", input);
        int x = b.ToTokens("tokens", b.Input);
        int q = doubled ? b.Add("twice", x, x) : x;
        int attention = b.Lif("attn_lif", b.MatMulAV("av", b.MatMulQK("qk", q, x, heads), x, heads), [3], 65536);
        b.Readout("head", attention, 3, Weights(random, 3 * channels), Bias(random, 3));
        var verified = b.BuildVerified();
        foreach (int density in new[] { 0, 5, 50, 100 })
        {
            var sample = Sample(verified.Program, density);
            if (density == 100)
            {
                int largest = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(sample).Traces["qk"].Max(step => step.Max());
                Assert.InRange(largest, fullCountAtLeast, fullCountAtMost);
            }
            foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
                BitExactnessTests.AssertSame(verified, new SimulationEngine(verified, level, ConvPass.ByWork), sample);
        }
    }

    /// <summary>
    /// 20 × 20 maps (plane of 440 → 448 positions: one 256-position register tile and six single vectors), 2 → 8 → 32 → 16
    /// channels (288 terms per output, past the i16 group of 258 for spikes), and counts to 255 under −128 weights
    /// (a group of one), under every instruction set with the dense pass forced and chosen by work.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Large_maps_through_the_register_tiled_dense_pass_match_the_reference(bool counts)
    {
        var random = new SplitMix64(counts ? 5UL : 6UL);
        var input = new InputSpec(2, 20, 20, 2, counts ? FrameEncoding.Counts : FrameEncoding.Binary, SplitMode.Number, 2, 40, 40);
        var b = new ProgramBuilder($"maps-{counts}", input);
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 8, Weights(random, 8 * 2 * 9), Bias(random, 8), dense: counts), [1], 32768);
        x = b.Lif("lif1", b.Conv2d("conv1", x, 32, Weights(random, 32 * 8 * 9), Bias(random, 32)), [2], 32768);
        x = b.Lif("lif2", b.Conv2d("conv2", x, 16, Weights(random, 16 * 32 * 9), Bias(random, 16)), [2], 32768);
        x = b.ToTokens("tokens", b.MaxPool("pool", x));
        b.Readout("head", x, 3, Weights(random, 3 * 16), Bias(random, 3));
        var verified = b.BuildVerified();
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
        foreach (var pass in new[] { ConvPass.Dense, ConvPass.ByWork })
        {
            var engine = new SimulationEngine(verified, level, pass);
            foreach (int density in new[] { 5, 40, 95 })
            {
                var sample = Spikes(new SplitMix64((ulong)density), verified.Program.Input.TimeSteps * verified.Program.Input.FrameLength, density);
                if (counts)
                {
                    for (int i = 0; i < sample.Length; i++)
                        sample[i] = (byte)(sample[i] == 0 ? 0 : random.Chance(30) ? 255 : random.Next(1, 9));
                }
                BitExactnessTests.AssertSame(verified, engine, sample);
            }
        }
    }

    /// <summary>
    /// Counts up to 255 straight into linears (tokens of the framed input): with |w| ≤ 64 two channels stay inside int16
    /// and take all eight bit planes (O = 160: one 128 and one 32 register group); with a −128 weight they do not and take
    /// the event-list path. Both against the reference under every instruction set.
    /// </summary>
    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    public void Count_tokens_through_bit_plane_linears_match_the_reference(int largestWeight)
    {
        var random = new SplitMix64((ulong)largestWeight);
        var input = new InputSpec(2, 4, 4, 2, FrameEncoding.Counts, SplitMode.Number, 2, 8, 8);
        var b = new ProgramBuilder($"count-tokens-{largestWeight}", input);
        int x = b.ToTokens("tokens", b.Input);
        sbyte[] weights = [.. Enumerable.Range(0, 160 * 2).Select(i => (sbyte)(i % 7 == 0 ? -largestWeight : random.Next(-largestWeight + 1, largestWeight)))];
        int hidden = b.Lif("fc_lif", b.Linear("fc", x, 160, weights, Bias(random, 160)), [40], 32768);
        b.Readout("head", hidden, 3, Weights(random, 3 * 160), Bias(random, 3));
        var verified = b.BuildVerified();
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
        {
            var engine = new SimulationEngine(verified, level, ConvPass.ByWork);
            foreach (int density in new[] { 20, 90 })
            {
                var sample = Spikes(new SplitMix64((ulong)density), verified.Program.Input.TimeSteps * verified.Program.Input.FrameLength, density);
                for (int i = 0; i < sample.Length; i++)
                    sample[i] = (byte)(sample[i] == 0 ? 0 : random.Chance(40) ? 255 : random.Next(1, 255));
                BitExactnessTests.AssertSame(verified, engine, sample);
            }
        }
    }

    private static VerifiedProgram TokenProgram(int embed, int heads, int hidden, int features)
    {
        var random = new SplitMix64((ulong)(embed * 1000 + features));
        var input = new InputSpec(2, 4, 4, 2, FrameEncoding.Binary, SplitMode.Number, 2, 8, 8);
        var b = new ProgramBuilder($"tokens-{embed}-{heads}-{hidden}-{features}", input);
        int x = b.Conv2d("conv", b.Input, features, Weights(random, features * 2 * 9), Bias(random, features));
        x = b.ToTokens("tokens", b.Lif("conv_lif", x, [1], 32768));
        int q = LinearLif(b, random, "q", x, embed, 2);
        int k = LinearLif(b, random, "k", x, embed, 2);
        int v = LinearLif(b, random, "v", x, embed, 2);
        int attention = b.Lif("attn_lif", b.MatMulAV("av", b.MatMulQK("qk", q, k, heads), v, heads), [3], 65536);
        int h = LinearLif(b, random, "fc1", attention, hidden, 1);
        int y = LinearLif(b, random, "fc2", h, embed, 1);
        b.Readout("head", b.Add("add", attention, y), 3, Weights(random, 3 * embed), Bias(random, 3));
        return b.BuildVerified();
    }

    private static int LinearLif(ProgramBuilder b, SplitMix64 random, string name, int input, int features, int threshold)
    {
        int inFeatures = b.ShapeOf(input)[1];
        return b.Lif(name + "_lif", b.Linear(name, input, features, Weights(random, features * inFeatures), Bias(random, features)), [threshold], 32768);
    }

    /// <summary>Mostly small weights, some at ±127 and −128 so the i16 sums reach their largest.</summary>
    private static sbyte[] Weights(SplitMix64 random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (sbyte)(random.Chance(3) ? (random.Chance(50) ? -128 : 127) : random.Next(-4, 6)))];

    private static int[] Bias(SplitMix64 random, int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(-3, 4))];

    private static byte[] Spikes(SplitMix64 random, int count, int percent) =>
        [.. Enumerable.Range(0, count).Select(_ => (byte)(random.Chance(percent) ? 1 : 0))];

    private static byte[] Sample(SpikeProgram program, int percent) =>
        Spikes(new SplitMix64((ulong)percent), program.Input.TimeSteps * program.Input.FrameLength, percent);
}
