using Neuro.Core.Boards;
using Neuro.Program;

namespace Neuro.Program.Tests;

public class MemoryPlanTests
{
    /// <summary>The worked example of docs/spike-program.md §6.</summary>
    private static VerifiedProgram Tiny()
    {
        var b = new ProgramBuilder("tiny", new InputSpec(1, 1, 2, 1, FrameEncoding.Binary, SplitMode.Number, 1, 2, 1));
        int acc = b.Conv2d("c", b.Input, 1, [0, 0, 0, 0, 1, 0, 0, 0, 0], [-1]);
        b.Readout("h", b.ToTokens("t", b.Lif("l", acc, [1], IntegerMath.MaxLeak)), 2, [1, -1]);
        return b.BuildVerified();
    }

    [Fact]
    public void Worked_example_adds_up_by_hand()
    {
        var plan = MemoryPlan.Of(Tiny());
        // Flash: the file as stored, 44-byte header + 214-byte body; tensors 9 + 4 + 4 + 2 bytes.
        Assert.Equal(258, plan.FlashBytes);
        Assert.Equal(19, plan.TensorBytes);
        Assert.Equal(239, plan.TableBytes);
        // Arena, table order at 4-byte alignment: input 0–2, c 4–12, l 12–14, l.v 16–24, t 24–26, h.sum 28–32.
        Assert.Equal(32, plan.ArenaBytes);
        Assert.Equal(
            [
                new MemoryLine("input", 0, 2, 0),
                new MemoryLine("c", 13, 8, 0),
                new MemoryLine("l", 4, 2, 8),
                new MemoryLine("t", 0, 2, 0),
                new MemoryLine("h", 2, 0, 4),
            ],
            plan.Lines);
    }

    [Fact]
    public void The_event_list_holds_one_int32_per_input_column_of_the_widest_linear()
    {
        var b = new ProgramBuilder("linears", new InputSpec(1, 4, 6, 1, FrameEncoding.Binary, SplitMode.Number, 1, 6, 4));
        int tokens = b.ToTokens("t", b.Input);
        b.Linear("narrow", tokens, 3, new sbyte[3]);
        int wide = b.Lif("lif", b.Linear("wide", b.ToTokens("t2", b.Input), 5, new sbyte[5]), [1], IntegerMath.MaxLeak);
        b.Linear("widest", wide, 2, new sbyte[10]);
        var plan = MemoryPlan.Of(b.BuildVerified());
        // Inputs have 1, 1 and 5 columns.
        Assert.Equal(20, plan.EventListBytes);
        Assert.Equal(new MemoryLine("event list", 0, 20, 0), plan.Lines[^1]);
        Assert.Equal(plan.Lines.Sum(line => MemoryPlanAligned(line)), plan.ArenaBytes);
    }

    /// <summary>Every buffer of these programs is written by one op, so lines add up to the arena once aligned.</summary>
    private static long MemoryPlanAligned(MemoryLine line) => (line.StepSramBytes + 3) / 4 * 4 + (line.PersistentSramBytes + 3) / 4 * 4;

    [Fact]
    public void A_program_that_fits_reports_what_is_left()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        var fit = MemoryPlan.Of(Tiny()).EnsureFits(board);
        Assert.True(fit.Fits);
        Assert.Equal(board.ProgramFlashBytes, fit.FlashAvailable);
        Assert.Equal(board.ProgramSramBytes, fit.SramAvailable);
    }

    [Fact]
    public void A_program_too_big_for_sram_is_refused_with_the_numbers_and_the_largest_buffers()
    {
        var b = new ProgramBuilder("wide", new InputSpec(2, 64, 64, 1, FrameEncoding.Binary, SplitMode.Number, 2, 128, 128));
        int acc = b.Conv2d("sps.conv0", b.Input, 32, new sbyte[32 * 2 * 9]);
        b.Lif("sps.lif0", acc, [1], IntegerMath.MaxLeak);
        var plan = MemoryPlan.Of(b.BuildVerified());
        var board = BoardCatalog.Load("netduinoplus2");

        var error = Assert.Throws<ProgramDoesNotFitException>(() => plan.EnsureFits(board));
        // conv0 writes 32·64·64 i32 = 524,288 B; the LIF 131,072 B of spikes and 524,288 B of membranes.
        Assert.Equal(8_192 + 524_288 + 131_072 + 524_288, plan.ArenaBytes);
        Assert.True(error.Fit!.FlashFits);
        Assert.False(error.Fit.SramFits);
        Assert.Contains("1,187,840 B", error.Message);
        Assert.Contains($"{board.ProgramSramBytes:N0} B", error.Message);
        Assert.Contains("sps.lif0 655,360 B", error.Message);
        Assert.Contains("netduinoplus2", error.Message);
    }
}
