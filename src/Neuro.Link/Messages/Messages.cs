using System.Buffers.Binary;
using System.Text;

namespace Neuro.Link;

/// <summary>HELLO: opens a session. A retransmitted HELLO carries the same nonce, a new session a new one.</summary>
public sealed record HelloRequest(uint Nonce)
{
    public byte[] Encode()
    {
        var p = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(p, Nonce);
        return p;
    }

    public static HelloRequest Decode(ReadOnlySpan<byte> p) => new(BinaryPrimitives.ReadUInt32LittleEndian(Need(p, 4, "HELLO")));

    internal static ReadOnlySpan<byte> Need(ReadOnlySpan<byte> p, int length, string what) =>
        p.Length >= length ? p : throw new LinkException($"{what} payload is {p.Length} bytes, needs {length}");
}

/// <summary>Capability bits of INFO.</summary>
[Flags]
public enum BoardCapabilities : ushort
{
    None = 0,
    AuthRequired = 1,
    Sparse16 = 2,
    Sparse16Count = 4,
    Bitmap = 8,
    Dense = 16,

    /// <summary>The program is baked into the firmware: INFO's active slot is <see cref="BoardInfo.BakedSlot"/>, there are no slots, BEGIN is refused.</summary>
    Baked = 32,
}

/// <summary>INFO: the board's identity, limits and slot state (reply to HELLO).</summary>
public sealed record BoardInfo(
    byte FirmwareMajor,
    byte FirmwareMinor,
    BoardCapabilities Capabilities,
    ushort MaxPayload,
    byte RxCredits,
    byte ActiveSlot,
    uint SlotBytes,
    uint Counter,
    uint ProgramBytes,
    byte[] ProgramHash,
    uint PendingUploadBytes,
    string Name)
{
    public const byte NoSlot = 0xFF;

    /// <summary>INFO's active slot on a baked firmware: the program is compiled in, not held in a slot.</summary>
    public const byte BakedSlot = 0xFE;

    public bool HasProgram => ActiveSlot != NoSlot;

    public bool IsBaked => Capabilities.HasFlag(BoardCapabilities.Baked);

    public byte[] Encode()
    {
        var name = Encoding.UTF8.GetBytes(Name);
        var p = new byte[57 + name.Length];
        p[0] = FirmwareMajor;
        p[1] = FirmwareMinor;
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(2), (ushort)Capabilities);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(4), MaxPayload);
        p[6] = RxCredits;
        p[7] = ActiveSlot;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(8), SlotBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(12), Counter);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(16), ProgramBytes);
        ProgramHash.CopyTo(p.AsSpan(20));
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(52), PendingUploadBytes);
        p[56] = (byte)name.Length;
        name.CopyTo(p.AsSpan(57));
        return p;
    }

    public static BoardInfo Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, 57, "INFO");
        int nameLength = p[56];
        HelloRequest.Need(p, 57 + nameLength, "INFO");
        return new BoardInfo(p[0], p[1], (BoardCapabilities)BinaryPrimitives.ReadUInt16LittleEndian(p[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(p[4..]), p[6], p[7], BinaryPrimitives.ReadUInt32LittleEndian(p[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[12..]), BinaryPrimitives.ReadUInt32LittleEndian(p[16..]),
            p.Slice(20, 32).ToArray(), BinaryPrimitives.ReadUInt32LittleEndian(p[52..]),
            Encoding.UTF8.GetString(p.Slice(57, nameLength)));
    }
}

/// <summary>BEGIN: announces an upload. The tag is HMAC-SHA256(key, hash ‖ counter ‖ size); unsigned uploads send zeros.</summary>
public sealed record BeginRequest(bool Signed, uint Size, uint Counter, byte[] Hash, byte[] Tag)
{
    public byte[] Encode()
    {
        var p = new byte[73];
        p[0] = Signed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(1), Size);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(5), Counter);
        Hash.CopyTo(p.AsSpan(9));
        Tag.CopyTo(p.AsSpan(41));
        return p;
    }

    public static BeginRequest Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, 73, "BEGIN");
        return new BeginRequest((p[0] & 1) != 0, BinaryPrimitives.ReadUInt32LittleEndian(p[1..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[5..]), p.Slice(9, 32).ToArray(), p.Slice(41, 32).ToArray());
    }
}

/// <summary>UPLOAD_STATUS: where the upload continues (0 for a new one) and the slot it goes to.</summary>
public sealed record UploadStatus(uint Offset, byte Slot)
{
    public byte[] Encode()
    {
        var p = new byte[5];
        BinaryPrimitives.WriteUInt32LittleEndian(p, Offset);
        p[4] = Slot;
        return p;
    }

    public static UploadStatus Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, 5, "UPLOAD_STATUS");
        return new UploadStatus(BinaryPrimitives.ReadUInt32LittleEndian(p), p[4]);
    }
}

/// <summary>CHUNK: program bytes at an offset (offsets must arrive in order).</summary>
public sealed record ChunkRequest(uint Offset, byte[] Data)
{
    public byte[] Encode()
    {
        var p = new byte[4 + Data.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(p, Offset);
        Data.CopyTo(p.AsSpan(4));
        return p;
    }

    public static ChunkRequest Decode(ReadOnlySpan<byte> p) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(HelloRequest.Need(p, 4, "CHUNK")), p[4..].ToArray());
}

/// <summary>START_SAMPLE and END_SAMPLE both carry only the sample id.</summary>
public sealed record SampleRequest(uint SampleId)
{
    public byte[] Encode()
    {
        var p = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(p, SampleId);
        return p;
    }

    public static SampleRequest Decode(ReadOnlySpan<byte> p) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(HelloRequest.Need(p, 4, "sample request")));
}

/// <summary>EVENTS: one part of one time step's frame. <see cref="EndOfStep"/> runs the step after this part.</summary>
public sealed record EventsRequest(ushort Step, EventEncoding Encoding, bool EndOfStep, uint Base, byte[] Data)
{
    public const int HeaderBytes = 8;

    public byte[] Encode()
    {
        var p = new byte[HeaderBytes + Data.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(p, Step);
        p[2] = (byte)Encoding;
        p[3] = EndOfStep ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), Base);
        Data.CopyTo(p.AsSpan(HeaderBytes));
        return p;
    }

    public static EventsRequest Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, HeaderBytes, "EVENTS");
        return new EventsRequest(BinaryPrimitives.ReadUInt16LittleEndian(p), (EventEncoding)p[2], (p[3] & 1) != 0,
            BinaryPrimitives.ReadUInt32LittleEndian(p[4..]), p[HeaderBytes..].ToArray());
    }
}

/// <summary>RESULT: the board's answer to END_SAMPLE.</summary>
public sealed record SampleResult(uint SampleId, short Predicted, ulong Cycles, int[] Logits, uint[] SpikesPerLayer)
{
    public byte[] Encode()
    {
        var p = new byte[16 + 4 * Logits.Length + 4 * SpikesPerLayer.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(p, SampleId);
        BinaryPrimitives.WriteInt16LittleEndian(p.AsSpan(4), Predicted);
        p[6] = (byte)Logits.Length;
        p[7] = (byte)SpikesPerLayer.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(8), Cycles);
        for (int i = 0; i < Logits.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(16 + 4 * i), Logits[i]);
        }
        int at = 16 + 4 * Logits.Length;
        for (int i = 0; i < SpikesPerLayer.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(at + 4 * i), SpikesPerLayer[i]);
        }
        return p;
    }

    public static SampleResult Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, 16, "RESULT");
        int classes = p[6], layers = p[7];
        HelloRequest.Need(p, 16 + 4 * (classes + layers), "RESULT");
        var logits = new int[classes];
        for (int i = 0; i < classes; i++)
        {
            logits[i] = BinaryPrimitives.ReadInt32LittleEndian(p[(16 + 4 * i)..]);
        }
        var spikes = new uint[layers];
        for (int i = 0; i < layers; i++)
        {
            spikes[i] = BinaryPrimitives.ReadUInt32LittleEndian(p[(16 + 4 * classes + 4 * i)..]);
        }
        return new SampleResult(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadInt16LittleEndian(p[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[8..]), logits, spikes);
    }

    /// <summary>Value equality over the arrays too (records compare arrays by reference).</summary>
    public bool SameAs(SampleResult other) =>
        SampleId == other.SampleId && Predicted == other.Predicted && Cycles == other.Cycles &&
        Logits.AsSpan().SequenceEqual(other.Logits) && SpikesPerLayer.AsSpan().SequenceEqual(other.SpikesPerLayer);
}

/// <summary>STATS: the board's link counters, in the order of docs/protocol.md section 4.</summary>
public sealed record BoardStats(
    uint FramesOk,
    uint CrcErrors,
    uint FrameErrors,
    uint Duplicates,
    uint OutOfOrder,
    uint NaksSent,
    uint RepliesResent,
    uint Overruns,
    uint Events,
    uint Samples,
    uint ErrorsSent)
{
    private const int Count = 11;

    public byte[] Encode()
    {
        uint[] values = [FramesOk, CrcErrors, FrameErrors, Duplicates, OutOfOrder, NaksSent, RepliesResent, Overruns, Events, Samples, ErrorsSent];
        var p = new byte[4 * Count];
        for (int i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4 * i), values[i]);
        }
        return p;
    }

    public static BoardStats Decode(ReadOnlySpan<byte> p)
    {
        HelloRequest.Need(p, 4 * Count, "STATS");
        var u = new uint[Count];
        for (int i = 0; i < Count; i++)
        {
            u[i] = BinaryPrimitives.ReadUInt32LittleEndian(p[(4 * i)..]);
        }
        return new BoardStats(u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10]);
    }
}

/// <summary>ERROR: a code and a short UTF-8 text naming what is wrong.</summary>
public sealed record ErrorReply(BoardError Code, string Text)
{
    public byte[] Encode()
    {
        var text = Encoding.UTF8.GetBytes(Text);
        var p = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(p, (ushort)Code);
        text.CopyTo(p.AsSpan(2));
        return p;
    }

    public static ErrorReply Decode(ReadOnlySpan<byte> p) =>
        new((BoardError)BinaryPrimitives.ReadUInt16LittleEndian(HelloRequest.Need(p, 2, "ERROR")), Encoding.UTF8.GetString(p[2..]));
}

/// <summary>NAK: the sequence number the board expects next, and why it asked.</summary>
public sealed record NakReply(ushort Expected, byte Reason)
{
    public byte[] Encode()
    {
        var p = new byte[3];
        BinaryPrimitives.WriteUInt16LittleEndian(p, Expected);
        p[2] = Reason;
        return p;
    }

    public static NakReply Decode(ReadOnlySpan<byte> p) =>
        new(BinaryPrimitives.ReadUInt16LittleEndian(HelloRequest.Need(p, 3, "NAK")), p[2]);
}
