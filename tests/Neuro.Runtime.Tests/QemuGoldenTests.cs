using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>
/// The same runtime built with arm-none-eabi-gcc for mps2-an386 (Cortex-M4) and run under QEMU agrees bit
/// for bit with the reference interpreter: full traces, counters and logits.
/// </summary>
public sealed class QemuGoldenTests
{
    /// <summary>
    /// Two programs on the build that runs weights from the program bytes; on the transposed-weights build (what
    /// <c>neuro firmware</c> ships) two with rows copied to the arena, two with a rows image (baked), one on its flash kernels.
    /// </summary>
    public static TheoryData<ulong, bool, WeightPlacement> Seeds => new()
    {
        { 100, false, WeightPlacement.Flash }, { 101, false, WeightPlacement.Flash }, { 102, true, WeightPlacement.Sram },
        { 103, true, WeightPlacement.Sram }, { 104, true, WeightPlacement.Image }, { 105, true, WeightPlacement.Image },
        { 106, true, WeightPlacement.Flash },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_cortex_m4_build_gives_the_reference_buffers_counters_and_logits(ulong seed, bool transposedWeights, WeightPlacement placement)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var samples = Enumerable.Range(0, 2).Select(i => RandomProgramGenerator.Sample(verified.Program, seed + (ulong)i * 977)).ToArray();
        var plan = MemoryPlan.Of(verified);

        var (exit, report) = RunOnMps2(SpikeProgramFile.ToBytes(verified.Program), samples.SelectMany(s => s).ToArray(), trace: true, transposedWeights,
            placement == WeightPlacement.Image ? plan.Transposed.Image(verified.Program) : null, flash: transposedWeights && placement == WeightPlacement.Flash);

        Assert.Equal(0, exit);
        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(samples.Length, report.Samples.Count);
        Assert.Equal(placement, report.Weights.Placement);
        Assert.Equal(plan.ArenaFor(placement), report.ArenaBytes);
        Assert.Equal(MemoryPlan.Of(verified).Buffers.Select(b => b.Offset), report.Offsets);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(verified.Program.Buffers.Length * verified.Program.Input.TimeSteps, report.Samples[i].Traces.Count);
            RuntimeReport.AssertMatchesReference(verified, samples[i], report.Samples[i], $"mps2-an386 program {seed} sample {i}");
        }
    }

    [Fact]
    public void The_cortex_m4_build_refuses_a_corrupted_program_with_exit_code_2()
    {
        var file = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(100));
        file[^1] ^= 1;

        var (exit, report) = RunOnMps2(file, [], trace: false);

        Assert.Equal(2, exit);
        Assert.Equal("hash", report.LoadStatus);
        Assert.Equal(12, report.Offset);
    }

    /// <summary>Boots the test firmware on program and samples; returns QEMU's exit code (the firmware's) and the parsed report.</summary>
    public static (int Exit, RuntimeReport Report) RunOnMps2(byte[] program, byte[] samples, bool trace, bool transposedWeights = false,
        byte[]? image = null, bool flash = false)
    {
        string elf = Toolchain.Mps2FirmwarePath(transposedWeights);
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "program.nsp"), program);
            File.WriteAllBytes(Path.Combine(directory, "samples.bin"), samples);
            if (trace)
                File.WriteAllBytes(Path.Combine(directory, "trace.flag"), []);
            if (image is not null)
                File.WriteAllBytes(Path.Combine(directory, "image.bin"), image);
            if (flash)
                File.WriteAllBytes(Path.Combine(directory, "flash.flag"), []);
            var result = Toolchain.RunMps2(elf, directory, TimeSpan.FromSeconds(60));
            string reportPath = Path.Combine(directory, "report.txt");
            Assert.True(File.Exists(reportPath), $"the firmware wrote no report (exit {result.ExitCode}): {result.Error}{result.Output}");
            return (result.ExitCode, RuntimeReport.Parse(File.ReadAllText(reportPath)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
