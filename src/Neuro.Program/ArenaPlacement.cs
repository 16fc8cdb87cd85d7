namespace Neuro.Program;

/// <summary>Where one buffer lives in the arena and when its bytes are in use (docs/spike-program.md §6.1).</summary>
/// <param name="Buffer">Index in the program's buffer table.</param>
/// <param name="Name">The buffer's name.</param>
/// <param name="Offset">Byte offset in the arena, a multiple of <see cref="MemoryPlan.Alignment"/>.</param>
/// <param name="Bytes">Bytes it occupies: its elements' bytes rounded up to <see cref="MemoryPlan.Alignment"/>.</param>
/// <param name="FirstUse">
/// Position within a step where its bytes start being used: 0 for the frame copy into the input buffer, <c>i + 1</c> for op
/// <c>i</c> writing it; 0 for persistent state.
/// </param>
/// <param name="LastUse">Position of its last reader (at least <see cref="FirstUse"/>); the op count for persistent state, which lives the whole sample.</param>
public sealed record BufferPlacement(int Buffer, string Name, long Offset, long Bytes, int FirstUse, int LastUse)
{
    public long End => Offset + Bytes;

    /// <summary>Both buffers hold values at one position of a step, so they may not share bytes.</summary>
    public bool LiveTogetherWith(BufferPlacement other) => FirstUse <= other.LastUse && other.FirstUse <= LastUse;

    /// <summary>The two placements share at least one arena byte.</summary>
    public bool Overlaps(BufferPlacement other) => Offset < other.End && other.Offset < End;
}

/// <summary>
/// Liveness-based arena placement, the rule of docs/spike-program.md §6.1 that the C runtime's <c>nsp_load</c> applies
/// too: buffers whose live ranges within a step do not intersect share bytes; persistent state never shares.
/// </summary>
public static class ArenaPlacement
{
    /// <summary>The placement of every buffer of <paramref name="program"/>, in buffer-table order.</summary>
    public static IReadOnlyList<BufferPlacement> Of(SpikeProgram program)
    {
        var (first, last) = LiveRanges(program);
        var buffers = program.Buffers;
        // Largest first, then table order: the big maps claim the low offsets and small ones fill the gaps between them.
        var order = Enumerable.Range(0, buffers.Length).OrderByDescending(b => AlignedBytes(buffers[b])).ThenBy(b => b).ToList();
        var placed = new List<BufferPlacement>(buffers.Length);
        var result = new BufferPlacement[buffers.Length];
        foreach (int b in order)
        {
            long bytes = AlignedBytes(buffers[b]);
            long offset = LowestFreeOffset(placed, bytes, first[b], last[b]);
            var placement = new BufferPlacement(b, buffers[b].Name, offset, bytes, first[b], last[b]);
            result[b] = placement;
            // Kept sorted by offset (ties in placement order) so the gap search is one pass.
            int at = placed.FindLastIndex(p => p.Offset <= offset) + 1;
            placed.Insert(at, placement);
        }
        return result;
    }

    /// <summary>End of the highest buffer: where the event list starts.</summary>
    public static long BuffersEnd(IReadOnlyList<BufferPlacement> placements) => placements.Select(p => p.End).DefaultIfEmpty(0).Max();

    /// <summary>
    /// The lowest offset at which <paramref name="bytes"/> bytes overlap no placed buffer live together with the range
    /// [<paramref name="first"/>, <paramref name="last"/>]. Walking the placed buffers by offset, the candidate moves past
    /// every conflicting buffer it would overlap; the first conflicting buffer starting at or beyond the candidate's end
    /// proves a gap, since all later ones start higher still.
    /// </summary>
    private static long LowestFreeOffset(List<BufferPlacement> placedByOffset, long bytes, int first, int last)
    {
        long offset = 0;
        foreach (var other in placedByOffset)
        {
            if (other.FirstUse > last || first > other.LastUse)
                continue;
            if (offset + bytes <= other.Offset)
                break;
            offset = Math.Max(offset, other.End);
        }
        return offset;
    }

    /// <summary>
    /// Live range of every buffer over step positions (0: frame copy, <c>i + 1</c>: op <c>i</c>), from the op list alone:
    /// from its writer to its last reader. The verifier guarantees a step buffer is read only after its writer in the same
    /// step, so nothing of a step buffer crosses a step boundary; state that does (membranes, readout sums) is persistent
    /// and spans every position. A step buffer no op writes (refused by the verifier) is kept live throughout as well.
    /// </summary>
    private static (int[] First, int[] Last) LiveRanges(SpikeProgram program)
    {
        int whole = program.Ops.Length;
        var first = new int[program.Buffers.Length];
        var last = new int[program.Buffers.Length];
        var writer = Enumerable.Repeat(-1, program.Buffers.Length).ToArray();
        for (int i = 0; i < program.Ops.Length; i++)
        {
            foreach (int output in program.Ops[i].Outputs)
            {
                if (output >= 0 && output < writer.Length && writer[output] < 0)
                    writer[output] = i;
            }
        }
        for (int b = 0; b < program.Buffers.Length; b++)
        {
            var kind = program.Buffers[b].Kind;
            (first[b], last[b]) = kind switch
            {
                BufferKind.Input => (0, 0),
                BufferKind.Step when writer[b] >= 0 => (writer[b] + 1, writer[b] + 1),
                _ => (0, whole),
            };
        }
        for (int i = 0; i < program.Ops.Length; i++)
        {
            foreach (int input in program.Ops[i].Inputs)
            {
                if (input >= 0 && input < last.Length)
                    last[input] = Math.Max(last[input], i + 1);
            }
        }
        return (first, last);
    }

    private static long AlignedBytes(BufferDecl buffer) => (buffer.ByteLength + MemoryPlan.Alignment - 1) / MemoryPlan.Alignment * MemoryPlan.Alignment;
}
