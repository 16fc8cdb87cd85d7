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
    /// <summary>Three programs on the build that runs weights from the program bytes, three on transposed copies.</summary>
    public static TheoryData<ulong, bool> Seeds => new() { { 100, false }, { 101, false }, { 102, false }, { 103, true }, { 104, true }, { 105, true } };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_cortex_m4_build_gives_the_reference_buffers_counters_and_logits(ulong seed, bool transposedWeights)
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
        var samples = Enumerable.Range(0, 2).Select(i => RandomProgramGenerator.Sample(verified.Program, seed + (ulong)i * 977)).ToArray();

        var (exit, report) = RunOnMps2(SpikeProgramFile.ToBytes(verified.Program), samples.SelectMany(s => s).ToArray(), trace: true, transposedWeights);

        Assert.Equal(0, exit);
        Assert.Equal("ok", report.LoadStatus);
        Assert.Equal(samples.Length, report.Samples.Count);
        if (!transposedWeights)
            Assert.Equal(MemoryPlan.Of(verified).ArenaBytes, report.ArenaBytes);
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
    public static (int Exit, RuntimeReport Report) RunOnMps2(byte[] program, byte[] samples, bool trace, bool transposedWeights = false)
    {
        string elf = Toolchain.Mps2FirmwarePath(transposedWeights);
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "program.nsp"), program);
            File.WriteAllBytes(Path.Combine(directory, "samples.bin"), samples);
            if (trace)
                File.WriteAllBytes(Path.Combine(directory, "trace.flag"), []);
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
