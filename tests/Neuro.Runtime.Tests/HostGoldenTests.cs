using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>The C runtime built with host gcc agrees bit for bit with the reference interpreter (DESIGN.md invariant 1), under ASan and UBSan.</summary>
public sealed class HostGoldenTests
{
    private const int SamplesPerProgram = 4;

    /// <summary>45 programs; every third also through the build that runs on transposed weight copies.</summary>
    public static TheoryData<ulong, bool> Seeds
    {
        get
        {
            var data = new TheoryData<ulong, bool>();
            for (ulong seed = 0; seed < 45; seed++)
            {
                data.Add(seed, false);
                if (seed % 3 == 0)
                    data.Add(seed, true);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_programs_give_the_reference_buffers_counters_and_logits(ulong seed, bool transposedWeights)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var samples = Enumerable.Range(0, SamplesPerProgram).Select(i => RandomProgramGenerator.Sample(verified.Program, seed * 31 + (ulong)i)).ToArray();
        var report = RunHost(SpikeProgramFile.ToBytes(verified.Program), samples.SelectMany(s => s).ToArray(), trace: true, transposedWeights, sanitized: true);

        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(SamplesPerProgram, report.Samples.Count);
        if (!transposedWeights)
            Assert.Equal(MemoryPlan.Of(verified).ArenaBytes, report.ArenaBytes);
        Assert.Equal(MemoryPlan.Of(verified).Buffers.Select(b => b.Offset), report.Offsets);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(verified.Program.Buffers.Length * verified.Program.Input.TimeSteps, report.Samples[i].Traces.Count);
            RuntimeReport.AssertMatchesReference(verified, samples[i], report.Samples[i], $"program {seed} sample {i}");
        }
    }

    [Fact]
    public void A_binary_program_refuses_a_frame_value_above_one_like_the_reference()
    {
        ulong seed = Enumerable.Range(0, 100).Select(s => (ulong)s)
            .First(s => RandomProgramGenerator.Generate(s).Input.Encoding == FrameEncoding.Binary);
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var sample = RandomProgramGenerator.Sample(verified.Program, 1);
        sample[^1] = 2;

        var report = RunHost(SpikeProgramFile.ToBytes(verified.Program), sample, trace: false);

        Assert.Equal("sample", Assert.Single(report.Samples).Status);
        Assert.ThrowsAny<Neuro.Core.Errors.NeuroException>(() => new ReferenceInterpreter(verified).Run(sample));
    }

    public static RuntimeReport RunHost(byte[] program, byte[] samples, bool trace, bool transposedWeights = false, bool sanitized = false)
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "program.nsp"), program);
            File.WriteAllBytes(Path.Combine(directory, "samples.bin"), samples);
            string[] arguments = trace ? ["program.nsp", "samples.bin", "--trace"] : ["program.nsp", "samples.bin"];
            var result = Toolchain.Run(Toolchain.HostDriverPath(transposedWeights, sanitized), arguments, directory, TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode is 0 or 2, $"nsp_host failed ({result.ExitCode}): {result.Error}");
            return RuntimeReport.Parse(result.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
