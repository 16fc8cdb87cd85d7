using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Neuro.Link;

/// <summary>What a deploy did.</summary>
/// <param name="AlreadyActive">The board already ran this exact program; nothing was sent.</param>
/// <param name="ResumedFrom">Bytes the board already held from an interrupted upload of the same program.</param>
/// <param name="ProgramBytes">Size of the program file.</param>
/// <param name="Slot">The slot the program now runs from.</param>
/// <param name="Counter">The replay counter the deploy was signed with.</param>
/// <param name="Elapsed">Wall time from BEGIN to the COMMIT's acknowledgement.</param>
/// <param name="WireBytes">Bytes sent on the wire for this deploy, retransmissions included.</param>
public sealed record DeployResult(bool AlreadyActive, uint ResumedFrom, uint ProgramBytes, byte Slot, uint Counter,
    TimeSpan Elapsed, long WireBytes)
{
    /// <summary>Program bytes per wire byte sent (1 would be a free link).</summary>
    public double Efficiency => WireBytes == 0 ? 0 : (ProgramBytes - ResumedFrom) / (double)WireBytes;
}

/// <summary>
/// Uploads a program into the board's inactive slot and switches to it atomically (docs/protocol.md section 7):
/// BEGIN (size, SHA-256, tag, counter), CHUNKs pipelined up to the board's credits, COMMIT. An upload cut short
/// resumes from where the board stopped when the same program is deployed again in a new session.
/// </summary>
public static class DeployClient
{
    public static async Task<DeployResult> DeployAsync(LinkSession session, byte[] program, BoardKey? key,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var info = session.Info;
        if (program.Length == 0)
        {
            throw new LinkException("the program is empty");
        }
        // A baked board has no slots; its BEGIN refusal (ERROR BAKED) says so better than a size comparison with 0.
        if (!info.IsBaked && program.Length > info.SlotBytes)
        {
            throw new LinkException(string.Create(CultureInfo.InvariantCulture,
                $"program of {program.Length:N0} bytes does not fit board '{info.Name}': its program slots hold {info.SlotBytes:N0} bytes"));
        }
        if (key is null && info.Capabilities.HasFlag(BoardCapabilities.AuthRequired))
        {
            throw new LinkException($"board '{info.Name}' only accepts signed programs: pass its key file (--key)");
        }
        var hash = SHA256.HashData(program);
        if (info.HasProgram && info.ProgramHash.AsSpan().SequenceEqual(hash))
        {
            return new DeployResult(true, 0, (uint)program.Length, info.ActiveSlot, info.Counter, TimeSpan.Zero, 0);
        }
        uint counter = info.Counter + 1;
        uint size = (uint)program.Length;
        var begin = new BeginRequest(key is not null, size, counter, hash, key?.Tag(hash, counter, size) ?? new byte[32]);
        long wireAtStart = session.Counters.BytesSent;
        var clock = Stopwatch.StartNew();
        var status = UploadStatus.Decode(LinkSession.Expect(
            await session.RequestAsync(MessageType.Begin, begin.Encode(), cancellationToken).ConfigureAwait(false),
            MessageType.UploadStatus, "BEGIN"));
        if (status.Offset > size)
        {
            throw new LinkException($"board reported {status.Offset} bytes received of a {size}-byte program");
        }
        int chunkBytes = info.MaxPayload - 4;
        var replies = new List<(uint Offset, Task<Framing.Frame> Reply)>();
        for (uint offset = status.Offset; offset < size; offset += (uint)chunkBytes)
        {
            int length = (int)Math.Min(chunkBytes, size - offset);
            var chunk = new ChunkRequest(offset, program.AsSpan((int)offset, length).ToArray());
            replies.Add((offset, await session.SendAsync(MessageType.Chunk, chunk.Encode(), cancellationToken).ConfigureAwait(false)));
            progress?.Report(offset);
            await CheckFinishedAsync(replies).ConfigureAwait(false);
        }
        foreach (var (offset, reply) in replies)
        {
            LinkSession.Expect(await reply.WaitAsync(cancellationToken).ConfigureAwait(false), MessageType.Ack, $"CHUNK at offset {offset}");
        }
        progress?.Report(size);
        LinkSession.Expect(await session.RequestAsync(MessageType.Commit, [], cancellationToken).ConfigureAwait(false),
            MessageType.Ack, "COMMIT");
        session.ProgramCommitted(status.Slot, size, key is null ? info.Counter : counter, hash);
        return new DeployResult(false, status.Offset, size, status.Slot, counter, clock.Elapsed,
            session.Counters.BytesSent - wireAtStart);
    }

    /// <summary>Stops an upload at the first refused chunk instead of after sending the rest.</summary>
    private static async Task CheckFinishedAsync(List<(uint Offset, Task<Framing.Frame> Reply)> replies)
    {
        foreach (var (offset, reply) in replies)
        {
            if (!reply.IsCompleted)
            {
                break;
            }
            LinkSession.Expect(await reply.ConfigureAwait(false), MessageType.Ack, $"CHUNK at offset {offset}");
        }
        replies.RemoveAll(r => r.Reply.IsCompletedSuccessfully);
    }

    /// <summary>Abandons an upload in progress (the active program is untouched either way).</summary>
    public static async Task AbortAsync(LinkSession session, CancellationToken cancellationToken = default) =>
        LinkSession.Expect(await session.RequestAsync(MessageType.Abort, [], cancellationToken).ConfigureAwait(false),
            MessageType.Ack, "ABORT");
}
