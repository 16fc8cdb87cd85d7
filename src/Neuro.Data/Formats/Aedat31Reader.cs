using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Reads cAER's AEDAT 3.1 (the format DVS128 Gesture ships in): '#' header lines up to
/// <c>#!END-HEADER</c>, then packets, each a 28-byte little-endian header (eventType u16, eventSource u16,
/// eventSize i32, eventTSOffset i32, eventTSOverflow i32, eventCapacity i32, eventNumber i32, eventValid i32)
/// followed by eventCapacity × eventSize bytes. Polarity packets (type 1) hold 8-byte events: a 32-bit word
/// with the valid flag in bit 0, the polarity in bit 1 (1 = ON), y in bits 2–16 and x in bits 17–31, then a
/// 32-bit timestamp; the full time is (eventTSOverflow &lt;&lt; 31) | timestamp. Other packet types are skipped
/// by their declared size, and events whose valid flag is clear are skipped and counted.
/// </summary>
public sealed class Aedat31Reader : EventReader
{
    /// <summary>The first header line of an AEDAT 3.1 file.</summary>
    public const string Magic = "#!AER-DAT3.1";

    internal const string EndOfHeader = "#!END-HEADER";
    internal const int PacketHeaderSize = 28;
    internal const int PolarityEventType = 1;
    internal const int PolarityEventSize = 8;
    internal const int PolarityTimestampOffset = 4;

    private readonly EventFileInfo _info;

    // The polarity packet being delivered: events left, its timestamp overflow, bytes of unused capacity after
    // its events, and the counts needed to check eventValid once the packet is done.
    private int _eventsLeft;
    private long _overflowBase;
    private long _paddingBytes;
    private int _declaredValid;
    private int _countedValid;
    private long _packetOffset;

    /// <summary>Opens a stream positioned at the start of an AEDAT 3.1 file and reads its header.</summary>
    public Aedat31Reader(Stream stream, string path, EventReaderOptions? options = null, bool leaveOpen = false)
        : base(stream, path, options ?? EventReaderOptions.Default, leaveOpen)
    {
        var first = ExpectMagic(Magic);
        var lines = ReadHashHeader(EndOfHeader, terminatorRequired: true);
        lines.Insert(0, first);
        var source = lines
            .Select(line => line.TrimStart('#').Trim())
            .FirstOrDefault(line => line.StartsWith("Source", StringComparison.OrdinalIgnoreCase) && line.Contains(':', StringComparison.Ordinal));
        source = source?[(source.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        var size = KnownSensors.Find(source);
        _info = new EventFileInfo(path, EventFileFormat.Aedat31, size?.Width, size?.Height, source, lines);
    }

    /// <inheritdoc />
    public override EventFileInfo Info => _info;

    private protected override int ReadCore(EventBuffer destination, int maxEvents)
    {
        var appended = 0;
        while (appended < maxEvents)
        {
            if (_eventsLeft == 0 && !NextPolarityPacket())
                break;
            // Parse only what the window holds at once, so the buffer never has to grow to a whole packet.
            var chunk = Math.Min(Math.Min(_eventsLeft, maxEvents - appended), Math.Max(1, Options.BufferSize / PolarityEventSize));
            if (!Input.TryEnsure(chunk * PolarityEventSize))
                throw Error(Input.Offset, $"truncated packet: the polarity packet at byte {_packetOffset} ends before its {_eventsLeft} remaining events");
            appended += ParseEvents(destination, chunk);
            _eventsLeft -= chunk;
            if (_eventsLeft == 0)
                FinishPacket();
        }
        return appended;
    }

    /// <summary>Reads packet headers until a non-empty polarity packet starts; false at the end of the file.</summary>
    private bool NextPolarityPacket()
    {
        while (true)
        {
            if (Input.AtEnd)
                return false;
            var offset = Input.Offset;
            if (!Input.TryEnsure(PacketHeaderSize))
                throw Error(offset, $"truncated packet header: expected {PacketHeaderSize} bytes, found {Input.Buffered}");
            var header = Input.Peek(PacketHeaderSize);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            var tsOffset = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            var tsOverflow = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            var capacity = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            var number = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
            var valid = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
            Input.Advance(PacketHeaderSize);

            if (size <= 0 || capacity < 0 || number < 0 || valid < 0 || tsOverflow < 0)
                throw Error(offset, $"packet header fields must be positive: eventSize={size}, eventCapacity={capacity}, eventNumber={number}, eventValid={valid}, eventTSOverflow={tsOverflow}");
            if (number > capacity)
                throw Error(offset, $"sizes disagree: eventNumber {number} exceeds eventCapacity {capacity}");
            if (valid > number)
                throw Error(offset, $"sizes disagree: eventValid {valid} exceeds eventNumber {number}");
            if (tsOffset < 0 || tsOffset > size - 4)
                throw Error(offset, $"sizes disagree: eventTSOffset {tsOffset} does not fit in an event of {size} bytes");
            var bodyBytes = (long)capacity * size;
            if (Input.Remaining is { } remaining && bodyBytes > remaining)
                throw Error(offset, $"truncated packet: header declares {capacity} × {size} = {bodyBytes} bytes but only {remaining} remain");

            if (type != PolarityEventType)
            {
                if (!Input.TrySkip(bodyBytes))
                    throw Error(offset, $"truncated packet: expected {bodyBytes} bytes of type-{type} events");
                Statistics.PacketsSkipped++;
                Statistics.OtherEventsSkipped += number;
                continue;
            }
            if (size != PolarityEventSize || tsOffset != PolarityTimestampOffset)
                throw Error(offset, $"sizes disagree: polarity events are {PolarityEventSize} bytes with the timestamp at offset {PolarityTimestampOffset}, header says eventSize={size}, eventTSOffset={tsOffset}");

            Statistics.PacketsRead++;
            _packetOffset = offset;
            _overflowBase = (long)tsOverflow << 31;
            _paddingBytes = (long)(capacity - number) * size;
            _declaredValid = valid;
            _countedValid = 0;
            _eventsLeft = number;
            if (number > 0)
                return true;
            FinishPacket();
        }
    }

    private void FinishPacket()
    {
        if (_paddingBytes > 0 && !Input.TrySkip(_paddingBytes))
            throw Error(Input.Offset, $"truncated packet: expected {_paddingBytes} bytes of unused capacity");
        _paddingBytes = 0;
        if (_countedValid != _declaredValid)
            Statistics.ValidCountMismatches++;
    }

    /// <summary>The hot loop: decodes <paramref name="count"/> buffered events straight into the buffer's arrays.</summary>
    private int ParseEvents(EventBuffer destination, int count)
    {
        var bytes = Input.Peek(count * PolarityEventSize);
        // Each event is one little-endian 64-bit word: the data word in the low half, the timestamp in the high half.
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        var (xs, ys, ps, ts) = destination.RawArrays;
        var n = destination.Count;
        var last = LastTimestamp;
        var overflow = _overflowBase;
        var invalid = 0;
        for (var i = 0; i < words.Length; i++)
        {
            var word = BitConverter.IsLittleEndian ? words[i] : BinaryPrimitives.ReverseEndianness(words[i]);
            var data = (uint)word;
            if ((data & 1) == 0)
            {
                invalid++;
                continue;
            }
            var raw = (int)(word >> 32);
            var t = overflow | (uint)raw;
            if (raw < 0 || t < last)
                throw raw < 0
                    ? Error(Input.Offset + (i * PolarityEventSize) + 4, $"timestamp {raw} is negative; AEDAT 3.1 timestamps are 31-bit")
                    : BackwardsTimestamp(Input.Offset + (i * PolarityEventSize), t);
            last = t;
            xs[n] = (int)(data >> 17);
            ys[n] = (int)(data >> 2) & 0x7FFF;
            ps[n] = (byte)((data >> 1) & 1);
            ts[n] = t;
            n++;
        }
        Input.Advance(bytes.Length);
        var appended = n - destination.Count;
        destination.SetCount(n);
        LastTimestamp = last;
        _countedValid += appended;
        Statistics.InvalidEventsSkipped += invalid;
        return appended;
    }
}
