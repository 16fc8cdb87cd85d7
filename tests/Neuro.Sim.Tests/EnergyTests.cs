using Neuro.Core.Energy;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Sim.Audit;
using Neuro.Sim.Hardware;

namespace Neuro.Sim.Tests;

public class EnergyTests
{
    private static HardwareModel EightKiB => CycleModelTests.Small() with
    {
        EventQueueDepth = 2,
        Banks =
        [
            new SramBank("w", BankRole.Weights, 8192, 32, 1),
            new SramBank("a", BankRole.Activations, 8192, 16, 2),
            new SramBank("s", BankRole.State, 8192, 64, 1),
        ],
    };

    public static TheoryData<ulong> Seeds => [.. Enumerable.Range(0, 30).Select(seed => (ulong)seed)];

    /// <summary>
    /// Firing rates measured from the reference interpreter's traces (not from the simulator's counters) put into
    /// SOPs_l = fr_l·T·FLOPs_l give exactly the simulator's SOPs, and paper-mode energy is E_MAC·MACs + E_AC·ΣSOPs.
    /// A conv's fan-out shrinks at the border, so its formula is applied per class of positions with equal in-bounds taps.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Paper_mode_equals_the_analytic_formula_with_the_measured_firing_rates(ulong seed)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var program = verified.Program;
        var sample = RandomProgramGenerator.Sample(program, seed + 5);
        var traces = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(sample).Traces;
        var audit = new Auditor(verified, CycleModelTests.Small()).Run([sample], null, EnergyMode.Paper);
        int steps = program.Input.TimeSteps;

        double expectedEnergy = 0;
        foreach (var layer in audit.Layers)
        {
            var op = program.Ops[layer.Index];
            long analytic = op switch
            {
                Conv2dOp conv when conv.Dense => 0,
                Conv2dOp conv => ConvSops(program, conv, traces, steps),
                LinearOp linear => Uniform(program, traces, linear.Input, program.Buffers[linear.Output].Shape[1], steps),
                MatMulQKOp qk => Uniform(program, traces, qk.Query, program.Buffers[qk.Query].Shape[0], steps),
                MatMulAVOp av => Uniform(program, traces, av.Value, program.Buffers[av.Value].Shape[0], steps),
                MatMulKVOp kv => Uniform(program, traces, kv.Key, program.Buffers[kv.Key].Shape[1] / kv.Heads, steps),
                MatMulQKVOp qkv => Uniform(program, traces, qkv.Query, program.Buffers[qkv.Query].Shape[1] / qkv.Heads, steps),
                ReadoutOp readout => Uniform(program, traces, readout.Input, 1, steps),
                _ => 0,
            };
            Assert.Equal(analytic, (long)layer.SynapticOps);
            if (op is LinearOp)
            {
                var buffer = program.Buffers[((LinearOp)op).Input];
                long flops = buffer.Length * program.Buffers[op.Outputs[0]].Shape[1];
                Assert.Equal(analytic, EnergyModel.SynapticOperations(layer.InputRate!.Value, steps, flops), 6);
            }
            expectedEnergy += 4.6 * layer.Macs + 0.9 * analytic;
        }
        Assert.Equal(expectedEnergy, audit.PaperEnergy.Total, 9);
        Assert.True(audit.PaperEnergy.Total > 0);
    }

    /// <summary>SOPs = fr·T·FLOPs with fr = S / (T·E) and FLOPs = E·F, computed as the exact rational S·T·E·F / (T·E).</summary>
    private static long Uniform(SpikeProgram program, IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableArray<System.Collections.Immutable.ImmutableArray<int>>> traces,
        int buffer, int fanOut, int steps)
    {
        var name = program.Buffers[buffer].Name;
        long elements = program.Buffers[buffer].Length;
        Int128 sum = traces[name].Sum(step => step.Sum(v => (long)v));
        return Exact(sum, steps * elements, elements * fanOut, steps);
    }

    private static long ConvSops(SpikeProgram program, Conv2dOp conv, IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableArray<System.Collections.Immutable.ImmutableArray<int>>> traces, int steps)
    {
        var shape = program.Buffers[conv.Input].Shape;
        int channels = shape[0], height = shape[1], width = shape[2], outChannels = program.Buffers[conv.Output].Shape[0];
        static int Taps(int i, int n) => (i > 0 ? 1 : 0) + 1 + (i < n - 1 ? 1 : 0);
        var byClass = new Dictionary<int, (long Sum, long Elements)>();
        for (int t = 0; t < steps; t++)
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int taps = Taps(y, height) * Taps(x, width);
            var (sum, elements) = byClass.GetValueOrDefault(taps);
            byClass[taps] = (sum + traces[program.Buffers[conv.Input].Name][t][(c * height + y) * width + x], elements + 1);
        }
        // Per class: fr = S / (T·E_class), FLOPs = (E_class / T)·O·taps per step.
        return byClass.Sum(pair => Exact(pair.Value.Sum, pair.Value.Elements, pair.Value.Elements / steps * outChannels * pair.Key, steps));
    }

    private static long Exact(Int128 sum, Int128 rateDenominator, Int128 flopsPerStep, int steps)
    {
        Int128 numerator = sum * steps * flopsPerStep;
        Assert.Equal(Int128.Zero, numerator % rateDenominator);
        return (long)(numerator / rateDenominator);
    }

    [Fact]
    public void Full_mode_matches_a_worked_example_by_hand()
    {
        // 4 binary inputs as one token → Linear 4→8 (zero weights, no bias) → LIF over 8 neurons; sample [1,0,0,1], T = 1.
        // Every bank is 8 KiB, so every 64-bit access costs 10 pJ (Horowitz); so does the 8-byte event queue (clamped).
        // ToTokens: reads 4 B + writes 4 B = 1 access                                          = 10 pJ
        // Linear:   2 events × fan-out 8 = 16 SOPs × 0.1 pJ (i32 add)                           = 1.6 pJ
        //           weights 16 × 1 B = 2 accesses                                              = 20 pJ
        //           activations: scan 4 B = half an access                                   = 5 pJ
        //           accumulators (a 32 B scratchpad, clamped to 8 KB): reads 64 + writes 64 + fill 32 = 160 B = 200 pJ
        //           queue: 2 events pushed and popped × 4 B = 16 B                             = 20 pJ
        // LIF:      8 × (i32 mult 3.1 + 4 × i32 add 0.1)                                       = 28 pJ
        //           activations: X reads 32 + spike writes 8 = 40 B                            = 50 pJ
        //           state: V reads 32 + writes 32 = 64 B                                       = 80 pJ
        // Total 414.6 pJ; paper mode: 16 SOPs × 0.9 pJ = 14.4 pJ.
        var b = new ProgramBuilder("hand", new InputSpec(4, 1, 1, 1, FrameEncoding.Binary, SplitMode.Number, 1, 1, 1));
        b.Lif("lif", b.Linear("fc", b.ToTokens("t", b.Input), 8, new sbyte[32]), [1], IntegerMath.MaxLeak);
        var audit = new Auditor(b.BuildVerified(), EightKiB).Run([[1, 0, 0, 1]], null, EnergyMode.Full);

        Assert.Equal(414.6, audit.FullEnergy.Total, 9);
        Assert.Equal(14.4, audit.PaperEnergy.Total, 9);
        var fc = audit.Layers.Single(l => l.Name == "fc");
        Assert.Equal(1.6, fc.FullEnergy.Accumulates, 9);
        Assert.Equal(5, fc.FullEnergy.ActivationSram, 9);
        Assert.Equal(200, fc.FullEnergy.AccumulatorSram, 9);
        Assert.Equal(20, fc.FullEnergy.EventQueue, 9);
        Assert.Equal(28, audit.Layers.Single(l => l.Name == "lif").FullEnergy.NeuronUpdates, 9);
        Assert.Equal(audit.EnergyPicojoules, audit.FullEnergy.Total);
    }

    [Fact]
    public void The_audit_reports_accuracy_rates_and_latency_at_the_clock()
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(7));
        var samples = Enumerable.Range(0, 6).Select(i => RandomProgramGenerator.Sample(verified.Program, (ulong)i)).ToArray();
        var engine = new Execution.SimulationEngine(verified);
        int[] labels = [.. samples.Select((s, i) => i % 2 == 0 ? engine.Run(s).PredictedClass : -1)];
        var audit = new Auditor(verified, CycleModelTests.Small()).Run(samples, labels, EnergyMode.Paper);
        Assert.Equal(0.5, audit.Accuracy);
        Assert.Equal(audit.Cycles / CycleModelTests.Small().ClockHz, audit.LatencySeconds);
        Assert.All(audit.Layers.Where(l => l.Kind == OpKind.Lif), l => Assert.InRange(l.OutputRate!.Value, 0, 1));
        Assert.Equal(audit.Layers.Sum(l => l.Cycles), audit.Cycles, 6);
    }
}
