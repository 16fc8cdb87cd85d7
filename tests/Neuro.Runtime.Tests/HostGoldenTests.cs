using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>The C runtime built with host gcc agrees bit for bit with the reference interpreter (DESIGN.md invariant 1), under ASan and UBSan.</summary>
public sealed class HostGoldenTests
{
    private const int SamplesPerProgram = 4;

    /// <summary>
    /// 45 programs on the flash-only build; each also through the transposed-weights build, in turn with its rows copied to
    /// the arena (a loader's choice), read from a rows image (a baked firmware's) and on the flash kernels (a loader's
    /// fallback when the copies do not fit).
    /// </summary>
    public static TheoryData<ulong, bool, WeightPlacement> Seeds
    {
        get
        {
            var data = new TheoryData<ulong, bool, WeightPlacement>();
            for (ulong seed = 0; seed < 45; seed++)
            {
                data.Add(seed, false, WeightPlacement.Flash);
                data.Add(seed, true, (seed % 3) switch { 0 => WeightPlacement.Sram, 1 => WeightPlacement.Image, _ => WeightPlacement.Flash });
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_programs_give_the_reference_buffers_counters_and_logits(ulong seed, bool transposedWeights, WeightPlacement placement)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var samples = Enumerable.Range(0, SamplesPerProgram).Select(i => RandomProgramGenerator.Sample(verified.Program, seed * 31 + (ulong)i)).ToArray();
        var plan = MemoryPlan.Of(verified);
        var report = RunHost(SpikeProgramFile.ToBytes(verified.Program), samples.SelectMany(s => s).ToArray(), trace: true, transposedWeights, sanitized: true,
            placement == WeightPlacement.Image ? plan.Transposed.Image(verified.Program) : null, flash: transposedWeights && placement == WeightPlacement.Flash);

        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(SamplesPerProgram, report.Samples.Count);
        Assert.Equal(placement, report.Weights.Placement);
        Assert.Equal(plan.ArenaFor(placement), report.ArenaBytes);
        Assert.Equal(plan.Buffers.Select(b => b.Offset), report.Offsets);
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

    /// <summary>Runs nsp_host; <paramref name="image"/> places the weights as that rows image, <paramref name="flash"/> on the flash kernels.</summary>
    public static RuntimeReport RunHost(byte[] program, byte[] samples, bool trace, bool transposedWeights = false, bool sanitized = false,
        byte[]? image = null, bool flash = false)
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "program.nsp"), program);
            File.WriteAllBytes(Path.Combine(directory, "samples.bin"), samples);
            var arguments = new List<string> { "program.nsp", "samples.bin" };
            if (trace)
                arguments.Add("--trace");
            if (image is not null)
            {
                File.WriteAllBytes(Path.Combine(directory, "image.bin"), image);
                arguments.AddRange(["--image", "image.bin"]);
            }
            if (flash)
                arguments.Add("--flash");
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
