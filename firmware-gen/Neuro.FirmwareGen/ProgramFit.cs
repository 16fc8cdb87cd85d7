using System.Globalization;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Program;

namespace Neuro.FirmwareGen;

/// <summary>Baked: the program is compiled into flash. Loader: programs arrive at run time into slots.</summary>
public enum FirmwareShape
{
    Baked,
    Loader,
}

/// <summary>One buffer or tensor named in a fit report.</summary>
public sealed record NamedSize(string Name, long Bytes);

/// <summary>
/// What a program asks of a board: its .nsp file (flash, or a slot) and its arena (<see cref="MemoryPlan"/>, laid out as
/// the C runtime's <c>nsp_load</c> does).
/// </summary>
/// <param name="LargestBuffers">
/// The largest buffers live together where the most bytes are live at once: buffers share arena bytes once their live
/// ranges end, so these, not the largest overall, are what a smaller arena needs shrunk.
/// </param>
/// <param name="ArenaBytes">The arena on the flash-layout kernels (<see cref="WeightPlacement.Flash"/>): the least it can run in.</param>
/// <param name="ImageBytes">The transposed rows image a baked firmware keeps in flash beside the program.</param>
/// <param name="ImageArenaBytes">The arena when the rows come from that image: + the conv ring.</param>
/// <param name="SramArenaBytes">The arena when the rows are copied into SRAM (a loader's fast placement): + the rows.</param>
public sealed record ProgramNeeds(
    string Name, string Hash, long FileBytes, long ArenaBytes,
    IReadOnlyList<NamedSize> LargestBuffers, IReadOnlyList<NamedSize> LargestTensors,
    long ImageBytes = 0, long ImageArenaBytes = 0, long SramArenaBytes = 0)
{
    public const int Listed = 3;

    /// <summary>Reads and verifies an .nsp file.</summary>
    public static ProgramNeeds Of(byte[] file, string source)
    {
        var verified = ProgramVerifier.Verify(SpikeProgramFile.Read(file, source));
        var program = verified.Program;
        var plan = MemoryPlan.Of(verified, file.LongLength);
        return new ProgramNeeds(
            program.Name,
            SpikeProgramFile.HashOf(file),
            file.LongLength,
            plan.ArenaBytes,
            [.. plan.Peak().Live.Take(Listed).Select(b => new NamedSize(b.Name, program.Buffers[b.Buffer].ByteLength))],
            [.. program.Tensors.OrderByDescending(t => t.Data.Length).Take(Listed).Select(t => new NamedSize(t.Name, t.Data.Length))],
            plan.Transposed.RowsBytes, plan.ArenaFor(WeightPlacement.Image), plan.ArenaFor(WeightPlacement.Sram));
    }

}

/// <summary>The memory a firmware shape gives programs on a board.</summary>
public sealed record ProgramCapacity(FirmwareShape Shape, long ProgramBytes, string ProgramBytesBasis, long ArenaBytes, string ArenaBasis)
{
    public static ProgramCapacity Of(BoardDescriptor board, FirmwareShape shape)
    {
        string flash = $"{N(board.Flash.Bytes)} flash − {N(board.Reserve.FlashBytes)} reserve";
        string sram = $"{N(board.Sram.Bytes)} SRAM − {N(board.Reserve.SramBytes)} reserve";
        if (shape == FirmwareShape.Baked)
            return new ProgramCapacity(shape, board.ProgramFlashBytes, flash, board.ProgramSramBytes, sram);
        if (board.Slots is not { } slots)
            throw new NeuroException($"board {board.Name} declares no program slots, so it has no loader firmware (use --baked)");
        string slotSram = slots.SramBytes > 0 ? $" − {slots.Count} SRAM slots × {N(slots.Bytes)}" : "";
        // A loader carries the serial link that uploads its programs; its SRAM comes out of the program's share.
        string link = $" − serial link {N(LinkRam.Bytes(board))} (input frame {N(LinkRam.FrameBytes(board))})";
        return new ProgramCapacity(shape, slots.Bytes, $"one {slots.Storage} slot",
            board.ProgramSramBytes - slots.SramBytes - LinkRam.Bytes(board), sram + slotSram + link);
    }

    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

public static class ProgramFit
{
    /// <summary>Refuses, before anything is built, a program whose file or arena exceeds the board's capacity.</summary>
    /// <exception cref="ProgramDoesNotFitException">With the needed and available bytes and the largest buffers and tensors.</exception>
    public static void Check(BoardDescriptor board, ProgramCapacity capacity, ProgramNeeds needs)
    {
        var problems = new List<string>();
        string where = capacity.Shape == FirmwareShape.Baked ? "flash" : "program slot";
        if (needs.FileBytes > capacity.ProgramBytes)
            problems.Add($"{where}: program {ProgramCapacity.N(needs.FileBytes)} B > {ProgramCapacity.N(capacity.ProgramBytes)} B available ({capacity.ProgramBytesBasis})");
        if (needs.ArenaBytes > capacity.ArenaBytes)
            problems.Add($"SRAM: arena {ProgramCapacity.N(needs.ArenaBytes)} B > {ProgramCapacity.N(capacity.ArenaBytes)} B available ({capacity.ArenaBasis})");
        if (problems.Count == 0)
            return;
        throw new ProgramDoesNotFitException(
            $"program '{needs.Name}' does not fit board {board.Name} ({capacity.Shape.ToString().ToLowerInvariant()} firmware): "
            + string.Join("; ", problems)
            + $". Largest buffers live together: {List(needs.LargestBuffers)}. Largest tensors: {List(needs.LargestTensors)}");
    }

    private static string List(IReadOnlyList<NamedSize> items) =>
        items.Count == 0 ? "none" : string.Join(", ", items.Select(item => $"{item.Name} {ProgramCapacity.N(item.Bytes)} B"));
}

/// <summary>
/// Which Conv2d/Linear kernels a firmware is built with (<c>NSP_TRANSPOSED_WEIGHTS</c>), where their weights come from, the
/// arena that placement needs, and why (docs/firmware.md, "Kernels").
/// </summary>
/// <param name="TransposedKernels">Built with the output-stationary kernels on transposed rows (measured on a Cortex-M4,
/// the trained MCU model on synthetic gestures: 1.92 instructions per synaptic event against 7.82 for the flash-layout
/// kernels, docs/runtime.md).</param>
/// <param name="Placement">A baked program's weight placement; null for a loader, which places each program as it loads it.</param>
public sealed record KernelChoice(bool TransposedKernels, WeightPlacement? Placement, long ArenaBytes, string Reason)
{
    public string Kernel => TransposedKernels ? "transposed" : "flash";

    /// <summary>
    /// A baked program gets the transposed kernels with its rows image in flash when the .nsp plus the image fit the flash
    /// left to programs and its arena plus the conv ring fits the SRAM; otherwise the flash-layout kernels, saying which side
    /// did not fit. Call after <see cref="ProgramFit.Check"/>: the flash-layout arena always fits then.
    /// </summary>
    public static KernelChoice ForBaked(ProgramNeeds needs, ProgramCapacity capacity)
    {
        if (needs.ImageBytes == 0)
            return new(false, WeightPlacement.Flash, needs.ArenaBytes, "flash-layout kernels: the program has no Conv2d or Linear weights to transpose");
        long flash = needs.FileBytes + needs.ImageBytes;
        var misses = new List<string>();
        if (flash > capacity.ProgramBytes)
            misses.Add($"program + rows image {ProgramCapacity.N(flash)} B > {ProgramCapacity.N(capacity.ProgramBytes)} B of flash ({capacity.ProgramBytesBasis})");
        if (needs.ImageArenaBytes > capacity.ArenaBytes)
            misses.Add($"arena + conv ring {ProgramCapacity.N(needs.ImageArenaBytes)} B > {ProgramCapacity.N(capacity.ArenaBytes)} B of SRAM ({capacity.ArenaBasis})");
        if (misses.Count == 0)
            return new(true, WeightPlacement.Image, needs.ImageArenaBytes,
                $"transposed kernels: rows image {ProgramCapacity.N(needs.ImageBytes)} B in flash beside the program, conv ring "
                + $"{ProgramCapacity.N(needs.ImageArenaBytes - needs.ArenaBytes)} B in the arena");
        return new(false, WeightPlacement.Flash, needs.ArenaBytes,
            $"flash-layout kernels (about 4x the instructions per synaptic event of the transposed ones): the transposed rows do not fit: {string.Join("; ", misses)}");
    }

    /// <summary>
    /// A loader carries both kernels: programs arrive at run time, and the runtime copies each one's rows into the arena when
    /// its arena plus ring plus rows fits, else runs it on the flash-layout kernels (<c>nsp_fit_weights</c>).
    /// </summary>
    public static KernelChoice ForLoader(ProgramCapacity capacity) =>
        new(true, null, capacity.ArenaBytes,
            $"transposed kernels, rows copied into the arena per program when arena + ring + rows fit {ProgramCapacity.N(capacity.ArenaBytes)} B, "
            + "else that program runs on the flash-layout kernels");
}
