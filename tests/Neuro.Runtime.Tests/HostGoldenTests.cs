using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>The C runtime built with host gcc agrees bit for bit with the reference interpreter (DESIGN.md invariant 1).</summary>
public sealed class HostGoldenTests
{
    private const int SamplesPerProgram = 4;

    public static TheoryData<ulong> Seeds => [.. Enumerable.Range(0, 60).Select(seed => (ulong)seed)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_programs_give_the_reference_buffers_counters_and_logits(ulong seed)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var samples = Enumerable.Range(0, SamplesPerProgram).Select(i => RandomProgramGenerator.Sample(verified.Program, seed * 31 + (ulong)i)).ToArray();
        var report = RunHost(SpikeProgramFile.ToBytes(verified.Program), samples.SelectMany(s => s).ToArray(), trace: true);

        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(SamplesPerProgram, report.Samples.Count);
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

    public static RuntimeReport RunHost(byte[] program, byte[] samples, bool trace)
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "program.nsp"), program);
            File.WriteAllBytes(Path.Combine(directory, "samples.bin"), samples);
            string[] arguments = trace ? ["program.nsp", "samples.bin", "--trace"] : ["program.nsp", "samples.bin"];
            var result = Toolchain.Run(Toolchain.HostDriverPath, arguments, directory, TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode is 0 or 2, $"nsp_host failed ({result.ExitCode}): {result.Error}");
            return RuntimeReport.Parse(result.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
