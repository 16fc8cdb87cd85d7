using Neuro.Core.Boards;

namespace Neuro.FirmwareGen;

/// <summary>
/// SRAM the serial link takes in a loader firmware, out of what programs could otherwise use: the board state
/// (<c>nsp_link_board</c>: 4 RX frames, parser, TX frame, 8 cached replies; 11,944 B on Cortex-M, 12,032 B on x86-64,
/// from <c>nm -S</c>), the executor binding, per-op counters (<c>NSP_MAX_OPS</c> × 24 B = 6,144 B), two RAM record pages,
/// the UART receive ring grown to the link's credit (<see cref="UartRingBytes"/>), and the input frame the EVENTS
/// messages fill (<see cref="FrameBytes"/>). <see cref="StateBytes"/> is what the loader's bss really grows by beyond the
/// frame (19.0 KiB measured on every Cortex-M board before the ring grew, plus its growth);
/// <c>BoardBuildTests</c> checks that it still covers the link and that board.json's reserve covers the rest.
/// </summary>
public static class LinkRam
{
    /// <summary>
    /// The UART receive ring of a link build (NSP_UART_RX_BYTES; the HAL's own default is 256 B): the board grants the
    /// host 4 frames of credit (NSP_LINK_RX_SLOTS) of up to 1,042 wire bytes (NSP_LINK_MAX_WIRE), which arrive while a
    /// classification blocks the main loop, so the ring must hold 4,168 B; rounded up to a power of two. With the
    /// HAL's 256 B, an 11-sample stream to QEMU's mps2-an386 took 38–41 frame errors and 81–84 NAKs (nsp_link_app.c
    /// refuses to build a smaller ring).
    /// </summary>
    public const long UartRingBytes = 8192;

    /// <summary>The link's fixed SRAM, without the input frame.</summary>
    public const long StateBytes = 19_456 + UartRingBytes - 256;

    private static readonly long[] FrameSizes = [2 * 128 * 128, 2 * 64 * 64, 2 * 32 * 32, 2 * 16 * 16];

    /// <summary>
    /// The largest DVS input frame (C·H·W cells) a loader accepts: 2×128×128 (DVS128 with polarity) where a quarter of
    /// the program SRAM holds it, else the largest of 2×64×64, 2×32×32, 2×16×16 that does, so small parts keep their
    /// SRAM for the program's buffers.
    /// </summary>
    public static long FrameBytes(BoardDescriptor board)
    {
        long programSram = board.ProgramSramBytes - (board.Slots?.SramBytes ?? 0);
        return FrameSizes.FirstOrDefault(size => size <= programSram / 4, FrameSizes[^1]);
    }

    /// <summary>Everything the link reserves on <paramref name="board"/>.</summary>
    public static long Bytes(BoardDescriptor board) => StateBytes + FrameBytes(board);

    /// <summary>
    /// What the link takes in a baked firmware: the same state (its per-op counters shrink to the program's ops, which
    /// <see cref="StateBytes"/> does not credit) and an input frame of exactly the baked program's size.
    /// </summary>
    public static long BakedBytes(BakedInput input) => StateBytes + Math.Max(input.FrameBytes, 1);
}

/// <summary>What sizes a baked firmware's link buffers: the program's input frame (C·H·W cells) and its op count.</summary>
public sealed record BakedInput(long FrameBytes, int Ops);
