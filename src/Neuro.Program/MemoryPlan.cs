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
/// <param name="ArenaBytes">The arena of the flash-layout kernels (<see cref="WeightPlacement.Flash"/>): buffers and event list.</param>
/// <param name="Transposed">The regions a runtime with the transposed-weight kernels adds after the event list.</param>
public sealed record MemoryPlan(
    string Program, long FlashBytes, long TensorBytes, long ArenaBytes, long EventListBytes, IReadOnlyList<MemoryLine> Lines,
    IReadOnlyList<BufferPlacement> Buffers, TransposedLayout Transposed)
{
    /// <summary>The arena <paramref name="placement"/> needs; the placements' arenas are prefixes of one another.</summary>
    public long ArenaFor(WeightPlacement placement) => Transposed.ArenaBytes(placement);

    /// <summary>Flash beside the .nsp file: the rows image a baked firmware keeps for <see cref="WeightPlacement.Image"/>.</summary>
    public long ExtraFlashFor(WeightPlacement placement) => placement == WeightPlacement.Image ? Transposed.RowsBytes : 0;

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
        long arena = ArenaPlacement.BuffersEnd(placements) + eventList;
        return new MemoryPlan(p.Name, fileBytes, tensors, arena, eventList, lines, placements, TransposedLayout.Of(p, arena));
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

/// <summary>Where Conv2d and Linear read their weights (docs/spike-program.md §6.1); the values are the C runtime's <c>nsp_weights</c>.</summary>
public enum WeightPlacement
{
    /// <summary>The program's own <c>[O, fan-in]</c> tensors in place (flash); the flash-layout kernels. Arena: buffers and event list.</summary>
    Flash = 0,

    /// <summary>Transposed rows in a const image beside the program (a baked firmware's flash). Arena: + the conv ring.</summary>
    Image = 1,

    /// <summary>Transposed rows copied into the arena at every sample's start. Arena: + the ring + the rows.</summary>
    Sram = 2,
}

/// <summary>One Conv2d or Linear's transposed rows: its op index, the offset of its first row and its bytes.</summary>
public sealed record WeightRows(int Op, string Name, long Offset, long Bytes);

/// <summary>
/// The regions the transposed-weight kernels add after the event list (docs/spike-program.md §6.1), as the C runtime's
/// <c>nsp_load</c> lays them out: the conv ring (the largest over the convs of three sorted input rows, 12·(W + 1 + W·C)
/// bytes, or for a lane-scatter conv 16·H·W bytes of lanes per <see cref="LaneGroups"/>), then every Conv2d and Linear's weights as int8 rows <c>[fan-in, O]</c> in op order, each row padded with zeros
/// to <see cref="Stride"/> bytes.
/// </summary>
/// <param name="RingOffset">Where the ring starts: the flash-layout arena's end.</param>
/// <param name="RowsOffset">Where the rows start: the ring's end; image offsets count from here.</param>
public sealed record TransposedLayout(long RingOffset, long RingBytes, long RowsOffset, long RowsBytes, IReadOnlyList<WeightRows> Rows)
{
    /// <summary>
    /// Groups of 8 output channels the runtime's lane-scatter conv kernel holds per output pixel (1 for 5–8 output
    /// channels, 2 for 13–16, when at most 255 spikes reach an output pixel per step), or 0 for the sorted-rows kernel.
    /// Its ring is 16 bytes of lanes per group and output pixel instead of three sorted input rows.
    /// </summary>
    public static int LaneGroups(int inputChannels, int outputChannels) =>
        inputChannels * 9 > 255 ? 0 : outputChannels is >= 5 and <= 8 ? 1 : outputChannels is >= 13 and <= 16 ? 2 : 0;

    /// <summary>Bytes of one transposed row: the output channels padded to whole words, so every row starts word-aligned.</summary>
    public static int Stride(int outputs) => (outputs + 3) & ~3;

    public long ArenaBytes(WeightPlacement placement) => placement switch
    {
        WeightPlacement.Flash => RingOffset,
        WeightPlacement.Image => RowsOffset,
        _ => RowsOffset + RowsBytes,
    };

    /// <summary>The layout after a flash-layout arena of <paramref name="flashArena"/> bytes.</summary>
    public static TransposedLayout Of(SpikeProgram program, long flashArena)
    {
        long ring = 0;
        foreach (var conv in program.Ops.OfType<Conv2dOp>())
        {
            var shape = program.Buffers[conv.Input].Shape;
            int outputs = program.Buffers[conv.Output].Shape[0];
            int groups = LaneGroups(shape[0], outputs);
            ring = Math.Max(ring, groups > 0 ? 16L * groups * shape[1] * shape[2] : 12L * (shape[2] + 1L + (long)shape[2] * shape[0]));
        }
        long rowsOffset = flashArena + ring, offset = rowsOffset;
        var rows = new List<WeightRows>();
        for (int i = 0; i < program.Ops.Length; i++)
        {
            if (WeightsOf(program.Ops[i]) is not { } index)
                continue;
            var weights = program.Tensors[index];
            long bytes = weights.Data.Length / weights.Shape[0] * (long)Stride(weights.Shape[0]);
            rows.Add(new WeightRows(i, program.Ops[i].Name, offset, bytes));
            offset += bytes;
        }
        return new TransposedLayout(flashArena, ring, rowsOffset, offset - rowsOffset, rows);
    }

    /// <summary>
    /// The rows as a <see cref="WeightPlacement.Image"/> holds them: byte <c>Rows[k].Offset − RowsOffset + f·stride + o</c>
    /// is weight <c>[o, f]</c> of the k-th Conv2d/Linear (0 in a row's padding). The runtime compares every byte with the
    /// program before it uses an image.
    /// </summary>
    public byte[] Image(SpikeProgram program)
    {
        var image = new byte[RowsBytes];
        foreach (var rows in Rows)
        {
            var weights = program.Tensors[WeightsOf(program.Ops[rows.Op])!.Value];
            int outputs = weights.Shape[0], fanIn = weights.Data.Length / outputs, stride = Stride(outputs);
            var data = weights.Data;
            long start = rows.Offset - RowsOffset;
            for (int f = 0; f < fanIn; f++)
            {
                for (int o = 0; o < outputs; o++)
                    image[start + (long)f * stride + o] = data[o * fanIn + f];
            }
        }
        return image;
    }

    private static int? WeightsOf(Op op) => op switch
    {
        Conv2dOp conv => conv.Weights,
        LinearOp linear => linear.Weights,
        _ => null,
    };
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
