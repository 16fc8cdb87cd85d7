using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>
/// The C runtime's <c>nsp_load</c> places every buffer where <see cref="MemoryPlan"/> says and reserves the same arena
/// (docs/spike-program.md §6.1), so a board's fit check on the host is the firmware's real need.
/// </summary>
public sealed class MemoryPlanAgreementTests
{
    private const int Programs = 300;

    [Fact]
    public void The_runtime_places_every_buffer_of_many_random_programs_where_the_memory_plan_does()
    {
        int shared = 0;
        for (ulong seed = 1000; seed < 1000 + Programs; seed++)
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
            var plan = MemoryPlan.Of(verified);
            var report = HostGoldenTests.RunHost(SpikeProgramFile.ToBytes(verified.Program), [], trace: false);

            Assert.Equal("ok", report.LoadStatus);
            Assert.True(plan.ArenaBytes == report.ArenaBytes, $"program {seed}: runtime arena {report.ArenaBytes} B, memory plan {plan.ArenaBytes} B");
            Assert.Equal(plan.Buffers.Select(b => b.Offset), report.Offsets);
            if (plan.Buffers.Sum(b => b.Bytes) + plan.EventListBytes > plan.ArenaBytes)
                shared++;
        }
        // The comparison means something only if the placements reuse bytes.
        Assert.True(shared > Programs / 2, $"only {shared} of {Programs} programs share arena bytes");
    }

    [Fact]
    public void The_transposed_weights_build_places_buffers_the_same_and_adds_its_copies_after_the_event_list()
    {
        for (ulong seed = 2000; seed < 2040; seed++)
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
            var plan = MemoryPlan.Of(verified);
            var report = HostGoldenTests.RunHost(SpikeProgramFile.ToBytes(verified.Program), [], trace: false, transposedWeights: true);

            Assert.Equal(plan.Buffers.Select(b => b.Offset), report.Offsets);
            Assert.True(report.ArenaBytes >= plan.ArenaBytes, $"program {seed}: transposed arena {report.ArenaBytes} B below the plan's {plan.ArenaBytes} B");
        }
    }
}
