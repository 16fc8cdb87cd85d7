using System.Buffers.Binary;
using System.IO.Hashing;

namespace Neuro.Link.Framing;

/// <summary>
/// One decoded frame (docs/protocol.md section 3): header fields and payload. <see cref="Credits"/> is what a
/// board grants in a reply; hosts send 0.
/// </summary>
public sealed record Frame(MessageType Type, ushort Sequence, byte Credits, byte[] Payload)
{
    public const byte Version = 1;
    public const int HeaderBytes = 8;
    public const int CrcBytes = 4;
    public const int MaxPayload = 1024;
    public const int MaxDecoded = HeaderBytes + MaxPayload + CrcBytes;

    /// <summary>Largest frame on the wire: COBS overhead and the 0x00 delimiter included.</summary>
    public static readonly int MaxWire = Cobs.MaxEncodedLength(MaxDecoded) + 1;

    /// <summary>The frame as it goes on the wire: COBS(header, payload, CRC-32) then 0x00.</summary>
    public byte[] Encode()
    {
        if (Payload.Length > MaxPayload)
        {
            throw new LinkException($"{Type} payload of {Payload.Length} bytes exceeds the {MaxPayload}-byte maximum");
        }
        var plain = new byte[HeaderBytes + Payload.Length + CrcBytes];
        plain[0] = Version;
        plain[1] = (byte)Type;
        plain[2] = 0;
        plain[3] = Credits;
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(4), Sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(6), (ushort)Payload.Length);
        Payload.CopyTo(plain.AsSpan(HeaderBytes));
        int body = HeaderBytes + Payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(body), Crc32.HashToUInt32(plain.AsSpan(0, body)));
        var wire = new byte[Cobs.MaxEncodedLength(plain.Length) + 1];
        int n = Cobs.Encode(plain, wire);
        wire[n] = 0;
        return wire.AsSpan(0, n + 1).ToArray();
    }

    /// <summary>Decodes one COBS block (delimiter removed). Returns the reason when the block is not a valid frame.</summary>
    public static FrameDecodeResult TryDecode(ReadOnlySpan<byte> block, out Frame? frame)
    {
        frame = null;
        if (block.Length > Cobs.MaxEncodedLength(MaxDecoded))
        {
            return FrameDecodeResult.TooLong;
        }
        Span<byte> plain = stackalloc byte[block.Length];
        if (!Cobs.TryDecode(block, plain, out int length))
        {
            return FrameDecodeResult.BadCobs;
        }
        if (length < HeaderBytes + CrcBytes || length > MaxDecoded)
        {
            return FrameDecodeResult.BadLength;
        }
        int body = length - CrcBytes;
        if (Crc32.HashToUInt32(plain[..body]) != BinaryPrimitives.ReadUInt32LittleEndian(plain[body..]))
        {
            return FrameDecodeResult.BadCrc;
        }
        if (plain[0] != Version || BinaryPrimitives.ReadUInt16LittleEndian(plain[6..]) != body - HeaderBytes)
        {
            return FrameDecodeResult.BadHeader;
        }
        frame = new Frame((MessageType)plain[1], BinaryPrimitives.ReadUInt16LittleEndian(plain[4..]), plain[3],
            plain[HeaderBytes..body].ToArray());
        return FrameDecodeResult.Ok;
    }
}

/// <summary>Why a block on the wire was not a frame.</summary>
public enum FrameDecodeResult
{
    Ok,
    TooLong,
    BadCobs,
    BadLength,
    BadCrc,
    BadHeader,
}

/// <summary>Splits a byte stream at 0x00 delimiters and decodes each block; counts what it rejects.</summary>
public sealed class FrameReader
{
    private readonly byte[] _block = new byte[Cobs.MaxEncodedLength(Frame.MaxDecoded)];
    private int _length;
    private bool _overflow;

    public long CrcErrors { get; private set; }

    public long FrameErrors { get; private set; }

    /// <summary>Feeds received bytes; calls <paramref name="onFrame"/> for every valid frame, in order.</summary>
    public void Feed(ReadOnlySpan<byte> bytes, Action<Frame> onFrame)
    {
        foreach (byte b in bytes)
        {
            if (b != 0)
            {
                if (_length < _block.Length)
                {
                    _block[_length++] = b;
                }
                else
                {
                    _overflow = true;
                }
                continue;
            }
            int length = _length;
            bool overflow = _overflow;
            _length = 0;
            _overflow = false;
            if (length == 0 && !overflow)
            {
                continue;
            }
            if (overflow)
            {
                FrameErrors++;
                continue;
            }
            var result = Frame.TryDecode(_block.AsSpan(0, length), out var frame);
            if (result == FrameDecodeResult.Ok)
            {
                onFrame(frame!);
            }
            else if (result == FrameDecodeResult.BadCrc)
            {
                CrcErrors++;
            }
            else
            {
                FrameErrors++;
            }
        }
    }
}
