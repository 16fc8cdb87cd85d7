using System.Globalization;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Runtime.Tests;

/// <summary>
/// Instructions per synaptic event of the Cortex-M4 build under QEMU -icount shift=0, where SysTick at 25 MHz
/// advances once per 40 executed instructions: an instruction count, not a cycle count.
/// </summary>
public sealed class InstructionCountTests(ITestOutputHelper output)
{
    private const int InstructionsPerTick = 40;

    /// <summary>Ceilings a little above the measured figures (docs/runtime.md), so a slower hot loop fails here.</summary>
    [Theory]
    [InlineData("sparse", false, 8.0)]
    [InlineData("sparse", true, 1.8)]
    [InlineData("dense", true, 1.35)]
    [InlineData("narrow", true, 5.0)]
    public void Synaptic_ops_of_a_conv_and_linear_program_are_timed_in_instructions(string program, bool transposedWeights, double atMost)
    {
        var verified = program switch { "sparse" => SparseConvLinearProgram(), "dense" => DenseConvLinearProgram(), _ => NarrowConvProgram() };
        var sample = program switch
        {
            "sparse" => RandomProgramGenerator.Sample(verified.Program, 11),
            "dense" => HalfActive(verified.Program.Input, 12),
            _ => Active(verified.Program.Input, 13, percent: 10),
        };
        var (exit, report) = QemuGoldenTests.RunOnMps2(SpikeProgramFile.ToBytes(verified.Program), sample, trace: false, transposedWeights);
        output.WriteLine($"{program} program, NSP_TRANSPOSED_WEIGHTS={(transposedWeights ? 1 : 0)}");
        Assert.Equal(0, exit);
        var result = Assert.Single(report.Samples);
        RuntimeReport.AssertMatchesReference(verified, sample, result, "instruction-count program");

        long synapticTicks = 0, updates = 0, allTicks = 0;
        for (int op = 0; op < verified.Program.Ops.Length; op++)
        {
            long opTicks = result.Counters[op].Sum(step => step[7]);
            long opUpdates = result.Counters[op].Sum(step => step[2]);
            long opEvents = result.Counters[op].Sum(step => step[0]);
            allTicks += opTicks;
            if (verified.Program.Ops[op] is Conv2dOp { Dense: false } or LinearOp)
            {
                synapticTicks += opTicks;
                updates += opUpdates;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{verified.Program.Ops[op].Name}: {opEvents} events, {opUpdates} synaptic updates, {opTicks * InstructionsPerTick} instructions, {(double)opTicks * InstructionsPerTick / Math.Max(1, opUpdates):F2} per update"));
            }
        }
        double perEvent = (double)synapticTicks * InstructionsPerTick / updates;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"instructions per synaptic event (conv + linear): {perEvent:F2} over {updates} events; whole sample {allTicks * InstructionsPerTick} instructions"));
        Assert.True(updates > 10_000, $"the program should be dominated by synaptic work, has {updates} updates");
        Assert.InRange(perEvent, 0.5, atMost);
    }

    /// <summary>Binary 2×16×16 input, ~35% active: conv 2→16, conv 16→32, pool, tokens, linear 32→64→64, readout.</summary>
    private static VerifiedProgram SparseConvLinearProgram()
    {
        var random = new SplitMix64(42);
        var input = new InputSpec(2, 16, 16, 2, FrameEncoding.Binary, SplitMode.Number, 1, 16, 16);
        var b = new ProgramBuilder("sparse-conv-linear", input);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-8, 8))];
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 16, Weights(16 * 2 * 9)), [6], 32768);
        x = b.Lif("lif1", b.Conv2d("conv1", x, 32, Weights(32 * 16 * 9)), [10], 32768);
        x = b.ToTokens("tokens", b.MaxPool("pool", x));
        x = b.Lif("lif2", b.Linear("fc1", x, 64, Weights(64 * 32)), [6], 32768);
        x = b.Lif("lif3", b.Linear("fc2", x, 64, Weights(64 * 64)), [6], 32768);
        b.Readout("head", x, 10, Weights(10 * 64));
        return b.BuildVerified();
    }

    /// <summary>
    /// A dense synthetic layer pair: 32 binary channels on 16×16 at ~50 % activity into conv 32→32 (~144 events per output
    /// pixel), then tokens and linear 32→64 (~16 events per token, half of them at the thresholds' mercy).
    /// </summary>
    private static VerifiedProgram DenseConvLinearProgram()
    {
        var random = new SplitMix64(43);
        var input = new InputSpec(32, 16, 16, 1, FrameEncoding.Binary, SplitMode.Number, 1, 16, 16);
        var b = new ProgramBuilder("dense-conv-linear", input);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-8, 8))];
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 32, Weights(32 * 32 * 9)), [1], 65536);
        x = b.ToTokens("tokens", x);
        b.Lif("lif1", b.Linear("fc", x, 64, Weights(64 * 32)), [6], 32768);
        return b.BuildVerified();
    }

    /// <summary>
    /// The MCU model's first layer: binary 2×32×32 into conv 2→8, whose few channels per event take the lane-scatter kernel
    /// (nsp_accumulate_lanes8): about 14 updates per output pixel at 10 % input, too few for the output-stationary pass.
    /// </summary>
    private static VerifiedProgram NarrowConvProgram()
    {
        var random = new SplitMix64(44);
        var input = new InputSpec(2, 32, 32, 2, FrameEncoding.Binary, SplitMode.Number, 1, 32, 32);
        var b = new ProgramBuilder("narrow-conv", input);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-8, 8))];
        int x = b.Lif("lif0", b.Conv2d("conv0", b.Input, 8, Weights(8 * 2 * 9)), [6], 32768);
        b.Readout("head", b.ToTokens("tokens", b.MaxPool("pool", x)), 10, Weights(10 * 8));
        return b.BuildVerified();
    }

    private static byte[] Active(InputSpec input, ulong seed, int percent)
    {
        var random = new SplitMix64(seed);
        return [.. Enumerable.Range(0, input.TimeSteps * input.Channels * input.Height * input.Width).Select(_ => (byte)(random.Next(0, 100) < percent ? 1 : 0))];
    }

    private static byte[] HalfActive(InputSpec input, ulong seed)
    {
        var random = new SplitMix64(seed);
        return [.. Enumerable.Range(0, input.TimeSteps * input.Channels * input.Height * input.Width).Select(_ => (byte)random.Next(0, 1))];
    }
}
