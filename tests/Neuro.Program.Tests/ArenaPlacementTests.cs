using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.Program.Tests;

/// <summary>Properties of the liveness-based arena placement (docs/spike-program.md §6.1) over generated programs.</summary>
public class ArenaPlacementTests
{
    public static TheoryData<ulong> Seeds => [.. Enumerable.Range(0, 200).Select(s => (ulong)s)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void No_two_buffers_live_at_a_common_position_share_a_byte(ulong seed)
    {
        var plan = MemoryPlan.Of(ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed)));
        foreach (var a in plan.Buffers)
        {
            foreach (var b in plan.Buffers.Where(b => b.Buffer > a.Buffer && b.LiveTogetherWith(a)))
                Assert.False(a.Overlaps(b), $"program {seed}: '{a.Name}' {a.Offset}–{a.End} and '{b.Name}' {b.Offset}–{b.End} are live together");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Live_ranges_follow_the_op_list_and_state_lives_the_whole_step(ulong seed)
    {
        var program = RandomProgramGenerator.Generate(seed);
        var plan = MemoryPlan.Of(ProgramVerifier.Verify(program));
        for (int b = 0; b < program.Buffers.Length; b++)
        {
            var placement = plan.Buffers[b];
            var readers = Enumerable.Range(0, program.Ops.Length).Where(i => program.Ops[i].Inputs.Contains(b)).Select(i => i + 1).ToList();
            int writer = Enumerable.Range(0, program.Ops.Length).Where(i => program.Ops[i].Outputs.Contains(b)).Select(i => i + 1).DefaultIfEmpty(0).Single();
            switch (program.Buffers[b].Kind)
            {
                case BufferKind.Persistent:
                    Assert.Equal((0, program.Ops.Length), (placement.FirstUse, placement.LastUse));
                    Assert.DoesNotContain(plan.Buffers, other => other.Buffer != b && other.Overlaps(placement));
                    break;
                default:
                    Assert.Equal(writer, placement.FirstUse);
                    Assert.Equal(readers.DefaultIfEmpty(writer).Max(), placement.LastUse);
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Each_buffer_takes_the_lowest_aligned_offset_free_of_the_larger_buffers_live_with_it(ulong seed)
    {
        var program = RandomProgramGenerator.Generate(seed);
        var plan = MemoryPlan.Of(ProgramVerifier.Verify(program));
        var order = plan.Buffers.OrderByDescending(p => p.Bytes).ThenBy(p => p.Buffer).ToList();
        for (int k = 0; k < order.Count; k++)
        {
            var placement = order[k];
            Assert.Equal(0, placement.Offset % MemoryPlan.Alignment);
            Assert.Equal((program.Buffers[placement.Buffer].ByteLength + 3) / 4 * 4, placement.Bytes);
            var before = order.Take(k).Where(p => p.LiveTogetherWith(placement)).ToList();
            bool Free(long offset) => before.All(p => offset + placement.Bytes <= p.Offset || p.End <= offset);
            Assert.True(Free(placement.Offset));
            // The lowest free offset is 0 or the end of a buffer placed earlier: every lower one of those is taken.
            Assert.DoesNotContain(before.Select(p => p.End).Prepend(0), offset => offset < placement.Offset && Free(offset));
        }
        Assert.Equal(plan.Buffers.Max(p => p.End) + plan.EventListBytes, plan.ArenaBytes);
    }

    [Fact]
    public void Generated_programs_mostly_need_less_arena_than_their_buffers_add_up_to()
    {
        var plans = Enumerable.Range(0, 200).Select(seed => MemoryPlan.Of(ProgramVerifier.Verify(RandomProgramGenerator.Generate((ulong)seed)))).ToList();
        Assert.True(plans.All(p => p.ArenaBytes <= p.Buffers.Sum(b => b.Bytes) + p.EventListBytes));
        Assert.True(plans.Count(p => p.ArenaBytes < p.Buffers.Sum(b => b.Bytes) + p.EventListBytes) > plans.Count / 2);
        // Never below what is live at the busiest position.
        Assert.True(plans.All(p => p.ArenaBytes >= p.Peak().Bytes + p.EventListBytes));
    }
}
