using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>
/// The transposed-weight build's accumulation kernels (src/nsp_accumulate.c: 16-bit lanes folded into int32 every 255
/// events) at their edges: more than 255 events per accumulator, weights at -128 and 127, channel counts that are not a
/// multiple of the 8-channel block, values above 1, and a narrow conv (40 channels on 3x3 into 3) whose sorted rows take
/// 13 times its output's bytes: the ring is sized by the widest conv input (spec 6.1), so it runs the lane kernel too;
/// and convs into 5-8 and 13-16 channels, which scatter input spikes into per-pixel lanes (nsp_accumulate_lanes8, one or
/// two groups of 8 channels) at the lanes' limit.
/// Host (ASan + UBSan, the lanes written in C) and Cortex-M4 under QEMU (SXTAB16) against the reference interpreter.
/// </summary>
public sealed class AccumulationKernelTests
{
    /// <summary>Linear over 600 features and a conv whose interior outputs meet 9 x 40 = 360 spikes, at several widths.</summary>
    public static TheoryData<string, int> Programs => new()
    {
        { "linear", 13 }, { "linear", 3 }, { "linear", 8 }, { "linear", 21 },
        { "conv", 13 }, { "conv", 5 }, { "conv", 16 }, { "narrow-conv", 3 },
        { "lanes-conv", 8 }, { "lanes-conv", 5 }, { "lanes-conv", 7 }, { "lanes-conv", 16 }, { "lanes-conv", 13 },
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public void Extreme_weights_over_long_spike_runs_match_the_reference_on_the_host(string shape, int outputs)
    {
        foreach (var (verified, samples) in Cases(shape, outputs))
        {
            var report = HostGoldenTests.RunHost(SpikeProgramFile.ToBytes(verified.Program), [.. samples.SelectMany(s => s)], trace: true,
                transposedWeights: true, sanitized: true);
            AssertAll(verified, samples, report, $"{shape} O={outputs} on the host");
            // The ring the kernel used (sorted rows or lanes) is the one the plan reserved.
            Assert.Equal(MemoryPlan.Of(verified).ArenaFor(WeightPlacement.Sram), report.ArenaBytes);
        }
    }

    [Theory]
    [InlineData("linear", 13)]
    [InlineData("conv", 13)]
    [InlineData("conv", 5)]
    [InlineData("lanes-conv", 8)]
    [InlineData("lanes-conv", 5)]
    [InlineData("lanes-conv", 13)]
    public void Extreme_weights_over_long_spike_runs_match_the_reference_on_the_cortex_m4(string shape, int outputs)
    {
        foreach (var (verified, samples) in Cases(shape, outputs))
        {
            var (exit, report) = QemuGoldenTests.RunOnMps2(SpikeProgramFile.ToBytes(verified.Program), [.. samples.SelectMany(s => s)],
                trace: true, transposedWeights: true);
            Assert.Equal(0, exit);
            AssertAll(verified, samples, report, $"{shape} O={outputs} on mps2-an386");
        }
    }

    [Fact]
    public void The_extreme_cases_do_overflow_a_16_bit_lane_that_is_never_folded()
    {
        // Guards the tests above: without the fold every 255 events, some accumulator would leave int16.
        foreach (string shape in new[] { "linear", "conv" })
        {
            var (verified, samples) = Cases(shape, 13).First();
            var result = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(samples[0]);
            int accumulator = verified.Program.Ops[shape == "linear" ? 1 : 0].Outputs[0];
            var values = result.Traces[verified.Program.Buffers[accumulator].Name][0];
            Assert.Contains(values, v => v < short.MinValue);
            Assert.Contains(values, v => v > short.MaxValue + Bias(13).Max(Math.Abs)); // beyond int16 even without the bias
        }
    }

    private static void AssertAll(VerifiedProgram verified, byte[][] samples, RuntimeReport report, string where)
    {
        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(samples.Length, report.Samples.Count);
        for (int i = 0; i < samples.Length; i++)
            RuntimeReport.AssertMatchesReference(verified, samples[i], report.Samples[i], $"{where}, sample {i}");
    }

    /// <summary>A binary program and a counts program (values up to 255) of the shape, each with all-ones, random and near-empty frames.</summary>
    private static IEnumerable<(VerifiedProgram Program, byte[][] Samples)> Cases(string shape, int outputs)
    {
        foreach (var encoding in new[] { FrameEncoding.Binary, FrameEncoding.Counts })
        {
            var verified = Build(shape, outputs, encoding);
            var input = verified.Program.Input;
            int frame = input.Channels * input.Height * input.Width, length = frame * input.TimeSteps;
            byte top = encoding == FrameEncoding.Binary ? (byte)1 : (byte)255;
            var ones = Enumerable.Repeat((byte)1, length).ToArray();
            var random = new SplitMix64((ulong)(outputs * 7919 + shape.Length));
            var mixed = Enumerable.Range(0, length).Select(_ => random.Next(0, 2) == 0 ? (byte)0 : (byte)random.Next(1, top)).ToArray();
            // A few events only: the conv takes its scattered (input-stationary) path.
            var few = new byte[length];
            for (int i = 0; i < length; i += 97)
                few[i] = top;
            yield return (verified, [ones, mixed, few]);
        }
    }

    private static VerifiedProgram Build(string shape, int outputs, FrameEncoding encoding)
    {
        var input = shape switch
        {
            "linear" => new InputSpec(600, 1, 2, 2, encoding, SplitMode.Number, 1, 2, 2),
            "conv" => new InputSpec(40, 32, 4, 2, encoding, SplitMode.Number, 1, 4, 32),
            // 28 channels: an interior output pixel meets 28 x 9 = 252 spikes, the most a lane of the lane-scatter conv may
            // take (252 x -128 = -32256); width 8 takes its word-at-a-time scan, width 6 the byte scan.
            "lanes-conv" => new InputSpec(28, 5, outputs % 8 == 0 ? 8 : 6, 2, encoding, SplitMode.Number, 1, outputs % 8 == 0 ? 8 : 6, 5),
            _ => new InputSpec(40, 3, 3, 2, encoding, SplitMode.Number, 1, 3, 3),
        };
        var b = new ProgramBuilder($"{shape}-{outputs}", input);
        int fanIn = shape == "linear" ? input.Channels : input.Channels * 9;
        var weights = ExtremeWeights(outputs, fanIn);
        var bias = Bias(outputs);
        int accumulator = shape == "linear"
            ? b.Linear("fc", b.ToTokens("tokens", b.Input), outputs, weights, bias)
            : b.Conv2d("conv", b.Input, outputs, weights, bias);
        b.Lif("lif", accumulator, [50_000], 32768);
        return b.BuildVerified();
    }

    /// <summary>Biases of both signs up to 1000 per channel index, so the fold adds lanes to nonzero int32 values.</summary>
    private static int[] Bias(int outputs) => [.. Enumerable.Range(0, outputs).Select(o => (o % 2 == 0 ? -1 : 1) * 1000 * o)];

    /// <summary>Rows of all -128, all 127, alternating, and seeded values, so lanes reach both int16 limits.</summary>
    private static sbyte[] ExtremeWeights(int outputs, int fanIn)
    {
        var random = new SplitMix64((ulong)(outputs * fanIn));
        var weights = new sbyte[outputs * fanIn];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < fanIn; i++)
            {
                weights[o * fanIn + i] = (o % 4) switch
                {
                    0 => sbyte.MinValue,
                    1 => sbyte.MaxValue,
                    2 => i % 2 == 0 ? sbyte.MinValue : sbyte.MaxValue,
                    _ => (sbyte)random.Next(-128, 127),
                };
            }
        }
        return weights;
    }
}
