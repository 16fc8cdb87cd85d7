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
/// holds the arena of every buffer laid out in table order at 4-byte alignment. There is no separate event queue:
/// event-driven ops scan their input buffer for nonzero elements, so the buffers are the whole data footprint.
/// </summary>
public sealed record MemoryPlan(string Program, long FlashBytes, long TensorBytes, long ArenaBytes, IReadOnlyList<MemoryLine> Lines)
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
        return new MemoryPlan(p.Name, fileBytes, tensors, ArenaLayout(p), lines);
    }

    /// <summary>The plan of a program as <see cref="SpikeProgramFile"/> would store it.</summary>
    public static MemoryPlan Of(VerifiedProgram program) => Of(program, SpikeProgramFile.ToBytes(program.Program).Length);

    /// <summary>Arena size: buffers in table order, each starting at the next multiple of <see cref="Alignment"/>.</summary>
    public static long ArenaLayout(SpikeProgram program)
    {
        long end = 0;
        foreach (var buffer in program.Buffers)
            end = Align(end) + buffer.ByteLength;
        return Align(end);
    }

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
            var largest = Lines.Where(line => line.SramBytes > 0).OrderByDescending(line => line.SramBytes).Take(3)
                .Select(line => $"{line.Op} {Bytes(line.SramBytes)}");
            reasons.Add($"SRAM: buffers need {Bytes(ArenaBytes)}, board '{board.Name}' leaves {Bytes(board.ProgramSramBytes)} "
                + $"({Bytes(board.Sram.Bytes)} minus {Bytes(board.Reserve.SramBytes)} for the runtime), over by {Bytes(ArenaBytes - board.ProgramSramBytes)}; largest: {string.Join(", ", largest)}");
        }
        throw new ProgramDoesNotFitException(Program, board.Name, fit, $"program '{Program}' does not fit board '{board.Name}': {string.Join("; ", reasons)}");
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    internal static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
}

/// <summary>A plan against one board: used and available bytes of each memory.</summary>
public sealed record BoardFit(string Board, long FlashBytes, long FlashAvailable, long SramBytes, long SramAvailable)
{
    public bool FlashFits => FlashBytes <= FlashAvailable;

    public bool SramFits => SramBytes <= SramAvailable;

    public bool Fits => FlashFits && SramFits;
}

/// <summary>A program exceeds a board's flash or SRAM; the message has the numbers and the largest consumers.</summary>
public sealed class ProgramDoesNotFitException(string program, string board, BoardFit fit, string message) : NeuroException(message)
{
    public string ProgramName { get; } = program;

    public string Board { get; } = board;

    public BoardFit Fit { get; } = fit;
}
