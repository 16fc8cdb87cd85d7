using Neuro.Program.Tests.Support;

namespace Neuro.Program.Tests;

/// <summary>Whole mini Spikformers from the seeded generator: the vectors other implementations will be checked against.</summary>
public sealed class GeneratedProgramTests
{
    public static TheoryData<ulong> Seeds => [.. Enumerable.Range(0, 40).Select(seed => (ulong)seed)];

    [Fact]
    public void The_same_seed_gives_the_same_program_bytes_and_sample()
    {
        Assert.Equal(SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(5)), SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(5)));
        var program = RandomProgramGenerator.Generate(5);
        Assert.Equal(RandomProgramGenerator.Sample(program, 9), RandomProgramGenerator.Sample(program, 9));
        Assert.NotEqual(SpikeProgramFile.ToBytes(program), SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(6)));
    }

    [Fact]
    public void SplitMix64_matches_its_published_first_outputs()
    {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var random = new SplitMix64(1234567);
        Assert.Equal(6457827717110365317UL, random.NextUInt64());
        Assert.Equal(3203168211198807973UL, random.NextUInt64());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_programs_verify_run_and_are_deterministic(ulong seed)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var sample = RandomProgramGenerator.Sample(verified.Program, seed);
        var interpreter = new ReferenceInterpreter(verified, TraceLevel.AllBuffers);
        var first = interpreter.Run(sample);
        var second = interpreter.Run(sample);

        Assert.Equal(first.Logits.ToArray(), second.Logits.ToArray());
        Assert.InRange(first.PredictedClass, 0, first.Logits.Length - 1);
        Assert.Equal(first.Logits.ToArray().Max(), first.Logits[first.PredictedClass]);
        Assert.Equal(verified.Program.Ops.Length, first.Counters.Length);
        Assert.All(first.Counters, c => Assert.Equal(verified.Program.Input.TimeSteps, c.Steps.Length));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_buffer_stays_within_the_bound_the_verifier_derived(ulong seed)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var result = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(RandomProgramGenerator.Sample(verified.Program, seed));
        for (int b = 0; b < verified.Program.Buffers.Length; b++)
        {
            var buffer = verified.Program.Buffers[b];
            if (buffer.Type == BufferType.Int32 && buffer.Kind == BufferKind.Persistent && buffer.Name.EndsWith(".v", StringComparison.Ordinal))
                continue; // membranes are bounded by saturation, not by a static sum
            long bound = verified.ValueBounds[b];
            Assert.All(result.Traces[buffer.Name].SelectMany(step => step), value => Assert.InRange(Math.Abs((long)value), 0, bound));
        }
    }

    [Fact]
    public void Generated_programs_spike_neither_never_nor_always()
    {
        long spikes = 0, neurons = 0;
        foreach (ulong seed in Enumerable.Range(0, 40).Select(s => (ulong)s))
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
            var result = new ReferenceInterpreter(verified).Run(RandomProgramGenerator.Sample(verified.Program, seed));
            foreach (var step in result.Counters.Where(c => c.Kind == OpKind.Lif).SelectMany(c => c.Steps))
            {
                spikes += step.OutputSum;
                neurons += step.NeuronUpdates;
            }
        }
        Assert.InRange((double)spikes / neurons, 0.05, 0.7);
    }

    [Fact]
    public void Lif_spike_counts_equal_the_spikes_in_the_traced_outputs()
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(3));
        var result = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(RandomProgramGenerator.Sample(verified.Program, 3));
        foreach (var lif in verified.Program.Ops.OfType<LifOp>())
        {
            var counters = result.Counters.Single(c => c.Name == lif.Name);
            var trace = result.Traces[verified.Program.Buffers[lif.Output].Name];
            Assert.Equal(trace.Select(step => (long)step.Sum()), counters.Steps.Select(s => s.OutputSum));
        }
    }

    [Fact]
    public void The_summary_totals_constants_state_and_step_buffers()
    {
        var program = RandomProgramGenerator.Generate(2);
        var bytes = SpikeProgramFile.ToBytes(program);
        var summary = ProgramSummary.Of(ProgramVerifier.Verify(program), SpikeProgramFile.VersionOf(bytes), SpikeProgramFile.HashOf(bytes), bytes.Length);
        Assert.Equal(program.Tensors.Sum(t => (long)t.Data.Length), summary.ConstantBytes);
        Assert.Equal(program.Tensors.Where(t => t.Type == TensorType.Int8).Sum(t => (long)t.Data.Length), summary.WeightBytes);
        Assert.Equal(program.Buffers.Where(b => b.Kind == BufferKind.Persistent).Sum(b => b.ByteLength), summary.StateBytes);
        Assert.Equal(program.Ops.Length, summary.Ops.Count);
        Assert.Equal(64, summary.Hash.Length);
        Assert.Equal("head", summary.Ops[^1].Name);
        Assert.Equal(["head.sum"], summary.Ops[^1].Outputs);
    }
}
