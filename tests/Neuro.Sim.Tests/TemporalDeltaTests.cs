using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Sim.Execution;

namespace Neuro.Sim.Tests;

/// <summary>
/// The temporal delta (a step's conv or linear output = the last step's plus the rows of new spikes minus those of ended
/// ones) against the reference: forced on every step it can run, chosen by work, and off, on eight-step samples whose
/// spikes persist from step to step as DVS spikes do.
/// </summary>
public class TemporalDeltaTests
{
    /// <summary>
    /// (channels into the spike conv, its outputs, map height, width, linear features): one and two mask words, the
    /// 32- and 64-output register groups and a padded 48, maps whose positions leave a partial 16-position tile, linears
    /// of one 128 and one 32 register group.
    /// </summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 16, 32, 8, 8, 64 },     // the microcontroller model's conv2 and a 64-feature linear
        { 64, 64, 8, 8, 128 },    // one full mask word, 64 outputs
        { 70, 96, 6, 7, 96 },     // two mask words, 64 + 32 outputs, 42 positions
        { 32, 48, 9, 9, 160 },    // 48 outputs padded to 64, 81 positions, linear 128 + 32
        { 40, 160, 5, 7, 64 },    // 128 + 32 outputs (the four-register walk and the tail), 35 positions
        { 24, 256, 4, 5, 32 },    // two 128-output walks
    };

    public static TheoryData<string> Choices => [.. Enum.GetValues<TemporalDelta>().Select(d => d.ToString())];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Convs_and_linears_match_the_reference_with_the_delta_forced_chosen_and_off(int channels, int outChannels, int height, int width, int features)
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var verified = Build(channels, outChannels, height, width, features);
        foreach (var delta in Enum.GetValues<TemporalDelta>())
        foreach (var pass in new[] { ConvPass.Events, ConvPass.ByWork })
        {
            var engine = new SimulationEngine(verified, SimdLevel.Avx512, pass, delta);
            foreach (var (density, change) in new[] { (30, 5), (60, 20), (10, 50), (95, 2) })
                BitExactnessTests.AssertSame(verified, engine, Persistent(verified.Program, density, change, (ulong)(channels + density)));
        }
    }

    [Theory]
    [MemberData(nameof(Choices))]
    public void Samples_run_one_after_another_on_one_workspace_match_the_reference(string choice)
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var verified = Build(64, 64, 8, 8, 128);
        var engine = new SimulationEngine(verified, SimdLevel.Avx512, ConvPass.Events, Enum.Parse<TemporalDelta>(choice));
        var samples = Enumerable.Range(0, 6).Select(i => Persistent(verified.Program, 20 + 12 * i, 10, (ulong)i)).ToArray();
        var reference = new ReferenceInterpreter(verified, TraceLevel.None);
        foreach (var sample in samples)
        {
            var run = engine.Run(sample);
            var expected = reference.Run(sample);
            Assert.Equal(expected.Logits.ToArray(), run.Logits);
            var counters = run.ToOpCounters(verified.Program);
            for (int op = 0; op < counters.Length; op++)
                Assert.True(expected.Counters[op].Steps.SequenceEqual(counters[op].Steps), $"counters of op {op} differ");
        }
        var batch = engine.RunBatch(samples, parallelism: 2);
        for (int i = 0; i < samples.Length; i++)
            Assert.Equal(reference.Run(samples[i]).Logits.ToArray(), batch[i].Logits);
    }

    /// <summary>
    /// 128 channels all spiking under 3 × 3 taps of +127 (and of −128) weights sum to ±146 304: the i16 registers must be
    /// widened inside a position, both when every spike adds its row and when the delta adds them all after a silent step,
    /// in the four-register walk (outputs 0–127) and the two-register one (128–159).
    /// </summary>
    [Theory]
    [MemberData(nameof(Choices))]
    public void Sums_far_past_int16_are_widened_in_time(string choice)
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var random = new SplitMix64(11);
        var input = new InputSpec(2, 6, 6, 8, FrameEncoding.Binary, SplitMode.Number, 1, 6, 6);
        var b = new ProgramBuilder("widening", input);
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 128, [.. Enumerable.Repeat((sbyte)127, 128 * 2 * 9)], Bias(random, 128)), [1], 32768);
        sbyte Extreme(int o) => o is 0 or 128 ? (sbyte)127 : o is 1 or 129 ? (sbyte)-128 : (sbyte)random.Next(-4, 6);
        sbyte[] weights = [.. Enumerable.Range(0, 160 * 128 * 9).Select(i => Extreme(i / (128 * 9)))];
        x = b.Lif("lif1", b.Conv2d("conv1", x, 160, weights, Bias(random, 160)), [1 << 20], 32768);
        b.Readout("head", b.ToTokens("tokens", x), 3, Weights(random, 3 * 160), Bias(random, 3));
        var verified = b.BuildVerified();
        var engine = new SimulationEngine(verified, SimdLevel.Avx512, ConvPass.Events, Enum.Parse<TemporalDelta>(choice));
        int frame = input.FrameLength;
        var sample = new byte[8 * frame];
        foreach (int t in new[] { 1, 2, 4, 5, 7 })
            Array.Fill(sample, (byte)1, t * frame, frame);
        BitExactnessTests.AssertSame(verified, engine, sample);
    }

    /// <summary>
    /// A spike linear of 600 inputs, all spiking under weights of +127 (and −128) for some outputs: sums of +76 200
    /// (−76 800) that the mask walk must widen into i32 every few mask words, when every row is added and when the delta
    /// adds them all back after a silent step; the other outputs' small weights keep the sums of partial steps mixed.
    /// With <paramref name="residuals"/> adds of the spikes to themselves the linear reads counts (values 0 and
    /// residuals + 1: two or three bit planes), the bit-plane walk's case, with sums up to +457 200 (−460 800).
    /// </summary>
    [Theory]
    [InlineData("ByWork", 0)]
    [InlineData("Always", 0)]
    [InlineData("Never", 0)]
    [InlineData("ByWork", 1)]
    [InlineData("ByWork", 5)]
    public void Linears_wider_than_int16_holds_widen_between_mask_words(string choice, int residuals)
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var random = new SplitMix64(23);
        var input = new InputSpec(2, 2, 3, 8, FrameEncoding.Binary, SplitMode.Number, 1, 3, 2);
        var b = new ProgramBuilder("wide-linear", input);
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 600, [.. Enumerable.Repeat((sbyte)127, 600 * 2 * 9)], Bias(random, 600)), [1], 32768);
        sbyte Extreme(int o) => o is 0 or 64 ? (sbyte)127 : o is 1 or 65 ? (sbyte)-128 : (sbyte)random.Next(-40, 41);
        sbyte[] weights = [.. Enumerable.Range(0, 96 * 600).Select(i => Extreme(i / 600))];
        int spikes = x = b.ToTokens("tokens", x);
        for (int r = 0; r < residuals; r++)
            x = b.Add($"residual{r}", x, spikes);
        x = b.Lif("fc_lif", b.Linear("fc", x, 96, weights, Bias(random, 96)), [1 << 20], 32768);
        b.Readout("head", x, 3, Weights(random, 3 * 96), Bias(random, 3));
        var verified = b.BuildVerified();
        var engine = new SimulationEngine(verified, SimdLevel.Avx512, ConvPass.ByWork, Enum.Parse<TemporalDelta>(choice));
        int frame = input.FrameLength;
        var sample = new byte[8 * frame];
        foreach (int t in new[] { 1, 2, 4, 5, 7 })
            Array.Fill(sample, (byte)1, t * frame, frame);
        sample[3 * frame + 1] = 1;
        BitExactnessTests.AssertSame(verified, engine, sample);
    }

    /// <summary>
    /// Binary input (2 channels) → conv → LIF → the spike conv under test → LIF → tokens → linear → LIF → readout, eight
    /// steps; low thresholds so the spike layers fire at every density.
    /// </summary>
    private static VerifiedProgram Build(int channels, int outChannels, int height, int width, int features)
    {
        var random = new SplitMix64((ulong)(channels * 7919 + outChannels * 31 + height * width));
        var input = new InputSpec(2, height, width, 8, FrameEncoding.Binary, SplitMode.Number, 1, width, height);
        var b = new ProgramBuilder($"delta-{channels}-{outChannels}-{height}x{width}-{features}", input);
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, channels, Weights(random, channels * 2 * 9), Bias(random, channels)), [2], 49152);
        x = b.Lif("lif1", b.Conv2d("conv1", x, outChannels, Weights(random, outChannels * channels * 9), Bias(random, outChannels)), [3], 49152);
        x = b.ToTokens("tokens", x);
        x = b.Lif("fc_lif", b.Linear("fc", x, features, Weights(random, features * outChannels), Bias(random, features)), [2], 49152);
        b.Readout("head", x, 3, Weights(random, 3 * features), Bias(random, 3));
        return b.BuildVerified();
    }

    /// <summary>Spikes at <paramref name="density"/> % on the first step; each later step flips <paramref name="change"/> % of the last step's.</summary>
    private static byte[] Persistent(SpikeProgram program, int density, int change, ulong seed)
    {
        var random = new SplitMix64(seed);
        int frame = program.Input.FrameLength;
        var sample = new byte[program.Input.TimeSteps * frame];
        for (int i = 0; i < frame; i++)
            sample[i] = (byte)(random.Chance(density) ? 1 : 0);
        for (int t = 1; t < program.Input.TimeSteps; t++)
        {
            for (int i = 0; i < frame; i++)
            {
                byte last = sample[(t - 1) * frame + i];
                sample[t * frame + i] = random.Chance(change) ? (byte)(1 - last) : last;
            }
        }
        return sample;
    }

    /// <summary>Mostly small weights, some at ±127 and −128 so the i16 sums reach their largest.</summary>
    private static sbyte[] Weights(SplitMix64 random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (sbyte)(random.Chance(3) ? (random.Chance(50) ? -128 : 127) : random.Next(-4, 6)))];

    private static int[] Bias(SplitMix64 random, int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(-3, 4))];
}
