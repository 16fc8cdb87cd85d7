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
    public void The_runtime_lays_out_the_conv_ring_and_every_weight_row_where_the_memory_plan_does_in_every_placement()
    {
        int withRing = 0;
        for (ulong seed = 2000; seed < 2060; seed++)
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
            var plan = MemoryPlan.Of(verified);
            var file = SpikeProgramFile.ToBytes(verified.Program);
            var layout = plan.Transposed;
            var expectedRows = layout.Rows.ToDictionary(r => r.Op, r => r.Offset);

            foreach (var (placement, report) in new[]
            {
                (WeightPlacement.Flash, HostGoldenTests.RunHost(file, [], trace: false)),
                (WeightPlacement.Sram, HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true)),
                (WeightPlacement.Image, HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true, image: layout.Image(verified.Program))),
                (WeightPlacement.Flash, HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true, flash: true)),
            })
            {
                Assert.Equal("ok", report.LoadStatus);
                Assert.Equal((placement, layout.RingOffset, layout.RowsOffset, layout.RowsBytes), report.Weights);
                Assert.True(plan.ArenaFor(placement) == report.ArenaBytes, $"program {seed}, {placement}: runtime arena {report.ArenaBytes} B, plan {plan.ArenaFor(placement)} B");
                Assert.Equal(plan.Buffers.Select(b => b.Offset), report.Offsets);
                Assert.Equal(expectedRows, report.Rows);
            }
            if (layout.RingBytes > 0 && layout.RowsBytes > 0)
                withRing++;
        }
        Assert.True(withRing > 20, $"only {withRing} programs have both a conv ring and weight rows");
    }

    [Fact]
    public void A_rows_image_that_differs_from_the_program_in_one_byte_or_its_length_is_refused()
    {
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(2001));
        var file = SpikeProgramFile.ToBytes(verified.Program);
        var image = MemoryPlan.Of(verified).Transposed.Image(verified.Program);
        Assert.NotEmpty(image);

        var flipped = (byte[])image.Clone();
        flipped[image.Length / 2] ^= 0x40;
        Assert.Equal("verify", HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true, image: flipped).LoadStatus);
        Assert.Equal("verify", HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true, image: image[..^4]).LoadStatus);
        Assert.Equal("ok", HostGoldenTests.RunHost(file, [], trace: false, transposedWeights: true, image: image).LoadStatus);
    }
}
