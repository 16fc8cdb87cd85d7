using Neuro.Core.Errors;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Sim.Execution;
using Neuro.Sim.Tests.Support;

namespace Neuro.Sim.Tests;

/// <summary>The simulator against the reference interpreter: same logits, counters and every buffer after every step.</summary>
public class BitExactnessTests
{
    public static TheoryData<ulong> Seeds => [.. Enumerable.Range(0, 60).Select(seed => (ulong)seed)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_programs_match_the_reference_on_several_samples(ulong seed)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var engine = new SimulationEngine(verified);
        for (ulong s = 0; s < 3; s++)
            AssertSame(verified, engine, RandomProgramGenerator.Sample(verified.Program, seed * 31 + s));
    }

    public static TheoryData<int> WideSeeds => [.. Enumerable.Range(0, 8)];

    [Theory]
    [MemberData(nameof(WideSeeds))]
    public void Wide_programs_that_reach_every_vector_tile_match_the_reference(int seed)
    {
        var verified = WideProgram.Build(seed, linearAttention: seed % 2 == 0, counts: seed % 3 != 0);
        var engine = new SimulationEngine(verified);
        var fired = new long[verified.Program.Ops.Length];
        foreach (int density in new[] { 3, 30, 90 })
        {
            var sample = WideProgram.Sample(verified.Program, seed, density);
            AssertSame(verified, engine, sample);
            var run = engine.Run(sample);
            for (int op = 0; op < fired.Length; op++)
                fired[op] += run.At(op, 0).OutputSum + run.At(op, 1).OutputSum;
        }
        // Every LIF fires on some sample, so no layer is compared on all-zero inputs only.
        foreach (var (op, index) in verified.Program.Ops.Select((op, i) => (op, i)).Where(p => p.op is LifOp))
            Assert.True(fired[index] > 0, $"{op.Name} never fired");
    }

    [Fact]
    public void Batched_runs_across_threads_equal_one_by_one_runs()
    {
        var verified = WideProgram.Build(1, linearAttention: false, counts: true);
        var engine = new SimulationEngine(verified);
        var samples = Enumerable.Range(0, 12).Select(i => WideProgram.Sample(verified.Program, i, 10 + 7 * i)).ToArray();
        var batch = engine.RunBatch(samples, parallelism: 4);
        for (int i = 0; i < samples.Length; i++)
        {
            var single = engine.Run(samples[i]);
            Assert.Equal(single.Logits, batch[i].Logits);
            Assert.Equal(single.Counters, batch[i].Counters);
        }
    }

    [Fact]
    public void A_sample_of_the_wrong_length_or_with_non_binary_values_is_refused_with_where()
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(3));
        var engine = new SimulationEngine(verified);
        var sample = RandomProgramGenerator.Sample(verified.Program, 1);
        var error = Assert.Throws<NeuroException>(() => engine.Run(sample.AsSpan(1)));
        Assert.Contains("expects T·C·H·W", error.Message);

        var binary = ProgramVerifier.Verify(Enumerable.Range(0, 50).Select(s => RandomProgramGenerator.Generate((ulong)s))
            .First(p => p.Input.Encoding == FrameEncoding.Binary));
        var bad = RandomProgramGenerator.Sample(binary.Program, 2);
        bad[^1] = 2;
        var refused = Assert.Throws<NeuroException>(() => new SimulationEngine(binary).Run(bad));
        Assert.Contains($"element {binary.Program.Input.FrameLength - 1}", refused.Message);
    }

    internal static void AssertSame(VerifiedProgram verified, SimulationEngine engine, byte[] sample)
    {
        var expected = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(sample);
        var (actual, traces) = engine.RunTraced(sample);
        Assert.Equal(expected.Logits.ToArray(), actual.Logits);
        Assert.Equal(expected.PredictedClass, actual.PredictedClass);
        var counters = actual.ToOpCounters(verified.Program);
        for (int op = 0; op < counters.Length; op++)
            Assert.True(expected.Counters[op].Steps.SequenceEqual(counters[op].Steps), $"counters of op {op} '{counters[op].Name}' differ");
        foreach (var (name, steps) in expected.Traces)
        {
            for (int t = 0; t < steps.Length; t++)
                Assert.True(steps[t].SequenceEqual(traces[name][t]), $"buffer '{name}' differs after step {t}");
        }
    }
}

/// <summary>
/// Every instruction set the CPU has (the AVX2 and scalar fallbacks forced) and every conv pass (scatter, events, dense)
/// forced on every step, against the reference: the pass choice and the vector width change speed only.
/// </summary>
public class KernelChoiceTests
{
    public static TheoryData<string, string> Choices()
    {
        var data = new TheoryData<string, string>();
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
        foreach (var pass in Enum.GetValues<ConvPass>())
            data.Add(level.ToString(), pass.ToString());
        return data;
    }

    private static SimulationEngine Engine(VerifiedProgram verified, string level, string pass) =>
        new(verified, Enum.Parse<SimdLevel>(level), Enum.Parse<ConvPass>(pass));

    [Theory]
    [MemberData(nameof(Choices))]
    public void Random_programs_match_the_reference_under_every_kernel_choice(string level, string pass)
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed + 100));
            var engine = Engine(verified, level, pass);
            for (ulong s = 0; s < 2; s++)
                BitExactnessTests.AssertSame(verified, engine, RandomProgramGenerator.Sample(verified.Program, seed * 17 + s));
        }
    }

    [Theory]
    [MemberData(nameof(Choices))]
    public void Wide_programs_match_the_reference_under_every_kernel_choice_at_low_and_high_density(string level, string pass)
    {
        for (int seed = 0; seed < 3; seed++)
        {
            var verified = WideProgram.Build(seed, linearAttention: seed % 2 == 0, counts: seed != 1);
            var engine = Engine(verified, level, pass);
            foreach (int density in new[] { 3, 90 })
                BitExactnessTests.AssertSame(verified, engine, WideProgram.Sample(verified.Program, seed, density));
        }
    }

    [Fact]
    public void Counts_at_255_under_the_largest_weights_match_the_reference_in_every_pass()
    {
        // |w| = 128 and value 255 leave one term per i16 group: the narrow kernels widen after every event or plane.
        var verified = WideProgram.Build(4, linearAttention: false, counts: true);
        var sample = WideProgram.Sample(verified.Program, 4, 60);
        for (int i = 0; i < sample.Length; i++)
            sample[i] = sample[i] == 0 ? (byte)0 : byte.MaxValue;
        foreach (var row in Choices())
            BitExactnessTests.AssertSame(verified, Engine(verified, (string)row[0], (string)row[1]), sample);
    }
}

/// <summary>Max-pooling on maps wide enough for the 16-output vector step and its scalar tail, against the reference.</summary>
public class MaxPoolTests
{
    [Theory]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(20)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(70)]
    public void Wide_counts_maps_pool_exactly_as_the_reference(int width)
    {
        var input = new InputSpec(3, 5, width, 2, FrameEncoding.Counts, SplitMode.Number, 1, width, 5);
        var b = new ProgramBuilder($"pool-{width}", input);
        // Heights 5 → 3 → 2 → 1 → 1: windows of three, two and (a one-row map) one input row.
        b.MaxPool("pool", b.MaxPool("pool2", b.MaxPool("pool1", b.MaxPool("pool0", b.Input))));
        var verified = b.BuildVerified();
        var random = new SplitMix64((ulong)width);
        var sample = new byte[input.TimeSteps * input.FrameLength];
        for (int i = 0; i < sample.Length; i++)
            sample[i] = random.Chance(40) ? (byte)random.Next(1, 255) : (byte)0;
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
            BitExactnessTests.AssertSame(verified, new SimulationEngine(verified, level, ConvPass.ByWork), sample);
    }
}

public class ToTokensTests
{
    [Theory]
    [InlineData(16, 4, 4)]
    [InlineData(20, 4, 5)]
    [InlineData(32, 8, 8)]
    [InlineData(70, 9, 9)]
    [InlineData(7, 3, 3)]
    public void Maps_become_tokens_exactly_as_the_reference(int channels, int height, int width)
    {
        var input = new InputSpec(channels, height, width, 2, FrameEncoding.Counts, SplitMode.Number, 1, width, height);
        var b = new ProgramBuilder($"tokens-{channels}-{height}x{width}", input);
        b.ToTokens("tokens", b.Input);
        var verified = b.BuildVerified();
        var random = new SplitMix64((ulong)(channels * 1000 + height * width));
        var sample = new byte[input.TimeSteps * input.FrameLength];
        for (int i = 0; i < sample.Length; i++)
            sample[i] = random.Chance(50) ? (byte)random.Next(1, 255) : (byte)0;
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
            BitExactnessTests.AssertSame(verified, new SimulationEngine(verified, level, ConvPass.ByWork), sample);
    }
}

public class AddTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(100)]
    public void Residual_adds_saturate_and_sum_exactly_as_the_reference(int width)
    {
        var input = new InputSpec(2, 3, width, 2, FrameEncoding.Counts, SplitMode.Number, 1, width, 3);
        var b = new ProgramBuilder($"add-{width}", input);
        int pooled = b.MaxPool("pool", b.Input);
        b.Add("twice", b.Add("sum", b.Input, b.Input), b.Input);
        b.Add("pooled", pooled, pooled);
        var verified = b.BuildVerified();
        var random = new SplitMix64((ulong)width + 100);
        var sample = new byte[input.TimeSteps * input.FrameLength];
        for (int i = 0; i < sample.Length; i++)
            sample[i] = random.Chance(50) ? (byte)random.Next(1, 255) : (byte)0;
        foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
            BitExactnessTests.AssertSame(verified, new SimulationEngine(verified, level, ConvPass.ByWork), sample);
    }
}
