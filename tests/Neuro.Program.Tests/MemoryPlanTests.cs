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
        // Positions: 0 frame copy, 1 c, 2 l, 3 t, 4 h. Live: input 0–1, c 1–2, l 2–3, t 3–4; l.v and h.sum 0–4 (persistent).
        // Largest first, then table order: c (8 B) 0–8; l.v 8–16 past c; input (4 B) past c and l.v to 16–20;
        // l, live with c, l.v: past them to 16, input is dead by then: 16–20; t, live with l.v and l only: the gap 0–4
        // below l.v (c is dead); h.sum past all five to 20–24. No Linear, no event list.
        Assert.Equal(24, plan.ArenaBytes);
        Assert.Equal([16L, 0, 16, 8, 0, 20], plan.Buffers.Select(b => b.Offset));
        Assert.Equal([4L, 8, 4, 8, 4, 4], plan.Buffers.Select(b => b.Bytes));
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
    public void Worked_example_of_the_weight_placements_adds_up_by_hand()
    {
        var tiny = Tiny();
        var plan = MemoryPlan.Of(tiny);
        // Ring: conv input [1, 1, 2]: 12 · (2 + 1 + 2·1) = 60 B after the 24-byte flash arena; rows: 9 of stride 4 at 84.
        var layout = plan.Transposed;
        Assert.Equal((24L, 60L, 84L, 36L), (layout.RingOffset, layout.RingBytes, layout.RowsOffset, layout.RowsBytes));
        Assert.Equal([new WeightRows(0, "c", 84, 36)], layout.Rows);
        Assert.Equal([24L, 84, 120], new[] { WeightPlacement.Flash, WeightPlacement.Image, WeightPlacement.Sram }.Select(plan.ArenaFor));
        Assert.Equal(36, plan.ExtraFlashFor(WeightPlacement.Image));
        Assert.Equal(0, plan.ExtraFlashFor(WeightPlacement.Sram));
        // Row f holds weight [0, f] then three zeros: only the centre tap (f = 4) is 1.
        var image = plan.Transposed.Image(tiny.Program);
        Assert.Equal(36, image.Length);
        Assert.Equal(Enumerable.Range(0, 36).Select(i => (byte)(i == 16 ? 1 : 0)), image);
    }

    [Fact]
    public void Rows_of_a_linear_are_its_input_columns_with_output_channels_fastest_padded_to_whole_words()
    {
        var b = new ProgramBuilder("linear", new InputSpec(2, 1, 1, 1, FrameEncoding.Binary, SplitMode.Number, 1, 1, 1));
        // Weights [5 outputs, 2 inputs] = o·10 + f.
        b.Linear("fc", b.ToTokens("t", b.Input), 5, [.. Enumerable.Range(0, 10).Select(i => (sbyte)(i / 2 * 10 + i % 2))]);
        var program = b.BuildVerified().Program;
        var layout = MemoryPlan.Of(b.BuildVerified()).Transposed;
        Assert.Equal(0, layout.RingBytes);
        Assert.Equal(16, layout.RowsBytes);
        Assert.Equal(new byte[] { 0, 10, 20, 30, 40, 0, 0, 0, 1, 11, 21, 31, 41, 0, 0, 0 }, layout.Image(program));
    }

    [Theory]
    [InlineData(2, 8, 16 * 4 * 4)]            // lane scatter, one group of 8 channels: 16 B per output pixel
    [InlineData(2, 5, 16 * 4 * 4)]
    [InlineData(2, 16, 2 * 16 * 4 * 4)]       // two groups
    [InlineData(2, 12, 12 * (4 + 1 + 4 * 2))] // rows of 12 bytes: the sorted-rows kernel, three rows of W + 1 + W·C words
    [InlineData(29, 8, 12 * (4 + 1 + 4 * 29))] // 29·9 > 255 spikes could reach a lane: sorted rows
    public void The_ring_is_the_lanes_of_a_narrow_conv_or_three_sorted_input_rows(int inputs, int outputs, long ring)
    {
        var b = new ProgramBuilder("ring", new InputSpec(inputs, 4, 4, 1, FrameEncoding.Binary, SplitMode.Number, 1, 4, 4));
        b.Lif("l", b.Conv2d("c", b.Input, outputs, new sbyte[outputs * inputs * 9]), [1], IntegerMath.MaxLeak);
        var plan = MemoryPlan.Of(b.BuildVerified());
        Assert.Equal(ring, plan.Transposed.RingBytes);
        Assert.Equal(plan.ArenaBytes, plan.Transposed.RingOffset);
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
        Assert.Equal(ArenaPlacement.BuffersEnd(plan.Buffers) + 20, plan.ArenaBytes);
    }

    /// <summary>
    /// A residual: <c>la</c> is read by conv <c>b</c> and, two ops later, by the Add, so it must outlive <c>b</c>'s
    /// accumulator and <c>lb</c>, while the Add's output may reuse the accumulators of <c>a</c> and <c>b</c>.
    /// </summary>
    [Fact]
    public void A_buffer_read_by_two_ops_stays_live_until_the_last_and_dead_accumulators_are_reused_worked_by_hand()
    {
        var b = new ProgramBuilder("residual", new InputSpec(1, 2, 2, 1, FrameEncoding.Binary, SplitMode.Number, 1, 2, 2));
        int la = b.Lif("la", b.Conv2d("a", b.Input, 1, new sbyte[9]), [1], IntegerMath.MaxLeak);
        int lb = b.Lif("lb", b.Conv2d("b", la, 1, new sbyte[9]), [1], IntegerMath.MaxLeak);
        b.Add("r", la, lb);
        var plan = MemoryPlan.Of(b.BuildVerified());

        // Table: input 4 B, a 16, la 4, la.v 16, b 16, lb 4, lb.v 16, r 4 (80 B unshared).
        // Positions: 0 frame, 1 a, 2 la, 3 b, 4 lb, 5 r. Live: input 0–1, a 1–2, la 2–5, b 3–4, lb 4–5, r 5; la.v, lb.v 0–5.
        Assert.Equal([(0, 1), (1, 2), (2, 5), (0, 5), (3, 4), (4, 5), (0, 5), (5, 5)], plan.Buffers.Select(p => (p.FirstUse, p.LastUse)));
        // Order a, la.v, b, lb.v (16 B, table order), then input, la, lb, r (4 B).
        // a 0–16; la.v 16–32; b 0–16 (a is dead at 3–4); lb.v 32–48 past a, b, la.v; input 48–52 past a, la.v, lb.v;
        // la 48–52 (input is dead at 2); lb 52–56 past b, la.v, lb.v and la; r 0–4 (a and b are dead at 5).
        Assert.Equal([48L, 0, 48, 16, 0, 52, 32, 0], plan.Buffers.Select(p => p.Offset));
        Assert.Equal(56, plan.ArenaBytes);
    }
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
        // conv0 writes 32·64·64 i32 = 524,288 B; the LIF 131,072 B of spikes and 524,288 B of membranes. Only the
        // 8,192-byte input is dead when the spikes are written, so they share its bytes.
        Assert.Equal(524_288 + 524_288 + 131_072, plan.ArenaBytes);
        Assert.True(error.Fit!.FlashFits);
        Assert.False(error.Fit.SramFits);
        Assert.Contains("1,179,648 B", error.Message);
        Assert.Contains($"{board.ProgramSramBytes:N0} B", error.Message);
        Assert.Contains("1,179,648 B live together at 'sps.lif0', largest: sps.conv0 524,288 B, sps.lif0.v 524,288 B, sps.lif0 131,072 B", error.Message);
        Assert.Contains("netduinoplus2", error.Message);
    }
}
