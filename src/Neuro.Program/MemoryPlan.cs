using System.Globalization;
using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.Program;

/// <summary>One op's share of a program's memory: the constant tensors it reads (flash) and the buffers it writes (SRAM).</summary>
/// <param name="Op">Op name (or <c>input</c> for the input frame buffer).</param>
/// <param name="FlashBytes">Bytes of its weight, bias and threshold tensors.</param>
/// <param name="StepSramBytes">Bytes of the step buffers it writes (rewritten every step).</param>
/// <param name="PersistentSramBytes">Bytes of its persistent state (LIF membranes, readout sums).</param>
public sealed record MemoryLine(string Op, long FlashBytes, long StepSramBytes, long PersistentSramBytes)
{
    public long SramBytes => StepSramBytes + PersistentSramBytes;
}

/// <summary>
/// Where a program's bytes live on a board, computed from its real tensors and buffers (docs/spike-program.md
/// §6.1): flash holds the <c>.nsp</c> file as it is (the runtime reads tensors in place, never copies them), SRAM
/// holds the arena: every buffer at 4-byte alignment, buffers whose live ranges within a step do not intersect
/// sharing bytes (<see cref="ArenaPlacement"/>), then the executor's event list. There is no event queue:
/// event-driven ops scan their input buffer for nonzero elements, and a Linear gathers one token's events into the
/// event list (4 bytes per input column of the widest Linear) before adding weight rows.
/// </summary>
/// <param name="Lines">Per op, the bytes it reads from flash and writes to SRAM (its outputs' sizes, before sharing).</param>
/// <param name="Buffers">Every buffer's arena placement, in buffer-table order.</param>
public sealed record MemoryPlan(
    string Program, long FlashBytes, long TensorBytes, long ArenaBytes, long EventListBytes, IReadOnlyList<MemoryLine> Lines,
    IReadOnlyList<BufferPlacement> Buffers)
{
    /// <summary>Bytes of the file that are not tensor data: header, names, shapes, op records.</summary>
    public long TableBytes => FlashBytes - TensorBytes;

    /// <summary>Alignment of every buffer in the arena.</summary>
    public const int Alignment = 4;

    /// <summary>The plan of <paramref name="program"/> stored in a file of <paramref name="fileBytes"/> bytes.</summary>
    public static MemoryPlan Of(VerifiedProgram program, long fileBytes)
    {
        var p = program.Program;
        var lines = new List<MemoryLine> { new("input", 0, p.Buffers[program.InputBuffer].ByteLength, 0) };
        foreach (var op in p.Ops)
        {
            long flash = op.TensorOperands.Where(index => index >= 0).Sum(index => (long)p.Tensors[index].Data.Length);
            long step = 0, persistent = 0;
            foreach (int output in op.Outputs)
            {
                var buffer = p.Buffers[output];
                if (buffer.Kind == BufferKind.Persistent)
                    persistent += buffer.ByteLength;
                else
                    step += buffer.ByteLength;
            }
            lines.Add(new MemoryLine(op.Name, flash, step, persistent));
        }
        long tensors = p.Tensors.Sum(tensor => (long)tensor.Data.Length);
        long eventList = EventListLayout(p);
        if (eventList > 0)
            lines.Add(new MemoryLine("event list", 0, eventList, 0));
        var placements = ArenaPlacement.Of(p);
        return new MemoryPlan(p.Name, fileBytes, tensors, ArenaPlacement.BuffersEnd(placements) + eventList, eventList, lines, placements);
    }

    /// <summary>The plan of a program as <see cref="SpikeProgramFile"/> would store it.</summary>
    public static MemoryPlan Of(VerifiedProgram program) => Of(program, SpikeProgramFile.ToBytes(program.Program).Length);

    /// <summary>
    /// Arena size as the C runtime's <c>nsp_load</c> lays it out: the buffers placed by <see cref="ArenaPlacement"/>, then
    /// the event list.
    /// </summary>
    public static long ArenaLayout(SpikeProgram program) => ArenaPlacement.BuffersEnd(ArenaPlacement.Of(program)) + EventListLayout(program);

    /// <summary>
    /// The step position where the most bytes are live at once (earliest on a tie; position <c>p</c> is
    /// <c>Lines[p]</c>: the frame copy, then each op), a lower bound on any placement, and the buffers live there,
    /// largest first: what to shrink when the arena does not fit.
    /// </summary>
    public (int Position, long Bytes, IReadOnlyList<BufferPlacement> Live) Peak()
    {
        int positions = Buffers.Select(b => b.LastUse).DefaultIfEmpty(0).Max();
        var best = (Position: 0, Bytes: -1L, Live: (IReadOnlyList<BufferPlacement>)[]);
        for (int position = 0; position <= positions; position++)
        {
            var live = Buffers.Where(b => b.FirstUse <= position && position <= b.LastUse).OrderByDescending(b => b.Bytes).ThenBy(b => b.Buffer).ToList();
            long bytes = live.Sum(b => b.Bytes);
            if (bytes > best.Bytes)
                best = (position, bytes, live);
        }
        return best;
    }


    /// <summary>One i32 per input column of the widest Linear: where the executor gathers a token's events.</summary>
    public static long EventListLayout(SpikeProgram program) =>
        4L * program.Ops.OfType<LinearOp>().Select(op => program.Buffers[op.Input].Shape[1]).DefaultIfEmpty(0).Max();

    /// <summary>How the plan compares with what <paramref name="board"/> leaves to programs.</summary>
    public BoardFit Against(BoardDescriptor board) => new(board.Name, FlashBytes, board.ProgramFlashBytes, ArenaBytes, board.ProgramSramBytes);

    /// <summary>Refuses a program that does not fit, naming the numbers and the largest consumers.</summary>
    /// <exception cref="ProgramDoesNotFitException">Flash or SRAM is exceeded.</exception>
    public BoardFit EnsureFits(BoardDescriptor board)
    {
        var fit = Against(board);
        if (fit.Fits)
            return fit;
        var reasons = new List<string>();
        if (!fit.FlashFits)
        {
            var largest = Lines.Where(line => line.FlashBytes > 0).OrderByDescending(line => line.FlashBytes).Take(3)
                .Select(line => $"{line.Op} {Bytes(line.FlashBytes)}");
            reasons.Add($"flash: program needs {Bytes(FlashBytes)}, board '{board.Name}' leaves {Bytes(board.ProgramFlashBytes)} "
                + $"({Bytes(board.Flash.Bytes)} minus {Bytes(board.Reserve.FlashBytes)} for the runtime), over by {Bytes(FlashBytes - board.ProgramFlashBytes)}; largest: {string.Join(", ", largest)}");
        }
        if (!fit.SramFits)
        {
            var (position, live, buffers) = Peak();
            var largest = buffers.Take(3).Select(buffer => $"{buffer.Name} {Bytes(buffer.Bytes)}");
            reasons.Add($"SRAM: buffers need {Bytes(ArenaBytes)}, board '{board.Name}' leaves {Bytes(board.ProgramSramBytes)} "
                + $"({Bytes(board.Sram.Bytes)} minus {Bytes(board.Reserve.SramBytes)} for the runtime), over by {Bytes(ArenaBytes - board.ProgramSramBytes)}; "
                + $"{Bytes(live)} live together at '{Lines[position].Op}', largest: {string.Join(", ", largest)}");
        }
        throw new ProgramDoesNotFitException($"program '{Program}' does not fit board '{board.Name}': {string.Join("; ", reasons)}", fit);
    }

    internal static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
}

/// <summary>A plan against one board: used and available bytes of each memory.</summary>
public sealed record BoardFit(string Board, long FlashBytes, long FlashAvailable, long SramBytes, long SramAvailable)
{
    public bool FlashFits => FlashBytes <= FlashAvailable;

    public bool SramFits => SramBytes <= SramAvailable;

    public bool Fits => FlashFits && SramFits;
}

/// <summary>
/// A program exceeds what a board (or a firmware shape on it) leaves programs; the message has the numbers and the
/// largest consumers. <see cref="Fit"/> is set when the check was against the board's whole program memory.
/// </summary>
public sealed class ProgramDoesNotFitException(string message, BoardFit? fit = null) : NeuroException(message)
{
    public BoardFit? Fit { get; } = fit;
}
