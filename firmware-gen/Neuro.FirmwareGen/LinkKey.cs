using Neuro.Core.Errors;
using Neuro.Link;

namespace Neuro.FirmwareGen;

/// <summary>
/// The deploy key a loader firmware is provisioned with: the bytes of the host's key file (hex, '#' comments;
/// read by <see cref="BoardKey"/>, the same reader <c>neuro deploy --key</c> uses), compiled into the firmware
/// so the board accepts only programs signed with it (docs/protocol.md section 7.1).
/// </summary>
public static class LinkKey
{
    /// <summary>The key bytes of a key file.</summary>
    /// <exception cref="LinkException">The file is missing, not hex, or not 16 to 64 bytes.</exception>
    public static byte[] Load(string path) => Convert.FromHexString(BoardKey.Load(path).ToHex());

    internal static void Check(byte[]? key, string board)
    {
        if (key is null)
            throw new NeuroException(
                $"a loader firmware for board {board} speaks the serial link and accepts only signed deploys: give its deploy key with --key FILE "
                + $"(a key file of {BoardKey.MinBytes} to {BoardKey.MaxBytes} bytes in hex; the host signs deploys with the same file). "
                + "To emulate it, build it with neuro firmware --key and run that firmware with neuro board run --firmware");
        _ = new BoardKey(key);
    }
}
