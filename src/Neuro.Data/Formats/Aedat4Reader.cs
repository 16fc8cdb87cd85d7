using System.Buffers.Binary;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Reads DV's AEDAT 4.0: the <c>#!AER-DAT4.0</c> line, a size-prefixed IOHeader FlatBuffer (compression,
/// data table position, and an XML info node naming the streams), then packets of an 8-byte header
/// (stream id, size) and a compressed size-prefixed FlatBuffer. Packets of the first <c>EVTS</c> stream are
/// decompressed (LZ4 frames via K4os, Zstandard via ZstdSharp) and their Event structs
/// {timestamp int64, x int16, y int16, polarity bool} delivered; packets of other streams are skipped. The
/// reader stops at the data table, which only indexes the packets it has already walked.
/// </summary>
public sealed class Aedat4Reader : EventReader
{
    private readonly EventFileInfo _info;
    private readonly Aedat4Compression _compression;
    private readonly long _dataTablePosition;
    private readonly int _streamId;

    private byte[] _packet = new byte[1 << 16];
    private int _next;
    private int _end;
    private long _packetOffset;

    /// <summary>Opens a stream positioned at the start of an AEDAT 4.0 file and reads its header.</summary>
    public Aedat4Reader(Stream stream, string path, EventReaderOptions? options = null, bool leaveOpen = false)
        : base(stream, path, options ?? EventReaderOptions.Default, leaveOpen)
    {
        ExpectMagic(Aedat4Schema.Magic);
        var sizeOffset = Input.Offset;
        if (!Input.TryEnsure(4))
            throw Error(sizeOffset, "truncated header: expected the 4-byte IOHeader size");
        var size = BinaryPrimitives.ReadInt32LittleEndian(Input.Peek(4));
        Input.Advance(4);
        if (size < 12 || (Input.Remaining is { } left && size > left))
            throw Error(sizeOffset, $"truncated header: the IOHeader declares {size} bytes but {Input.Remaining?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "fewer"} remain");
        if (!Input.TryEnsure(size))
            throw Error(Input.Offset, $"truncated header: expected {size} bytes of IOHeader, found {Input.Buffered}");
        var headerBytes = Input.Peek(size).ToArray();
        Input.Advance(size);

        Aedat4Schema.IoHeader header;
        IReadOnlyList<Aedat4Schema.StreamInfo> streams;
        try
        {
            header = Aedat4Schema.ReadIoHeader(headerBytes);
            streams = Aedat4Schema.ReadStreams(header.InfoNode);
        }
        catch (Exception error) when (error is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException or System.Xml.XmlException)
        {
            throw new EventFileException(path, sizeOffset + 4, $"corrupt IOHeader: {error.Message}", error);
        }
        var events = streams.FirstOrDefault(s => s.TypeIdentifier == Aedat4Schema.EventPacketIdentifier)
            ?? throw Error(sizeOffset + 4, $"the info node declares no '{Aedat4Schema.EventPacketIdentifier}' event stream (found: {string.Join(", ", streams.Select(s => s.TypeIdentifier))})");
        _compression = header.Compression;
        _dataTablePosition = header.DataTablePosition;
        _streamId = events.Id;
        var size2 = events.Width is null ? KnownSensors.Find(events.Source) : (events.Width.Value, events.Height ?? events.Width.Value);
        _info = new EventFileInfo(path, EventFileFormat.Aedat4, size2?.Item1, size2?.Item2, events.Source, [header.InfoNode]);
    }

    /// <inheritdoc />
    public override EventFileInfo Info => _info;

    /// <summary>The packet compression declared by the IOHeader.</summary>
    public Aedat4Compression Compression => _compression;

    private protected override int ReadCore(EventBuffer destination, int maxEvents)
    {
        var appended = 0;
        while (appended < maxEvents)
        {
            if (_next == _end && !NextEventPacket())
                break;
            var count = Math.Min((_end - _next) / Aedat4Schema.EventStructSize, maxEvents - appended);
            appended += ParseEvents(destination, count);
        }
        return appended;
    }

    private bool NextEventPacket()
    {
        while (true)
        {
            if (Input.AtEnd || (_dataTablePosition >= 0 && Input.Offset >= _dataTablePosition))
                return false;
            var offset = Input.Offset;
            if (!Input.TryEnsure(Aedat4Schema.PacketHeaderSize))
                throw Error(offset, $"truncated packet header: expected {Aedat4Schema.PacketHeaderSize} bytes, found {Input.Buffered}");
            var header = Input.Peek(Aedat4Schema.PacketHeaderSize);
            var stream = BinaryPrimitives.ReadInt32LittleEndian(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            Input.Advance(Aedat4Schema.PacketHeaderSize);
            if (size < 0)
                throw Error(offset, $"sizes disagree: packet size {size} is negative");
            var limit = _dataTablePosition >= 0 ? _dataTablePosition - Input.Offset : Input.Remaining;
            if (limit is { } room && size > room)
                throw Error(offset, $"truncated packet: header declares {size} bytes but only {room} remain{(_dataTablePosition >= 0 ? " before the data table" : string.Empty)}");
            if (stream != _streamId)
            {
                if (!Input.TrySkip(size))
                    throw Error(offset, $"truncated packet: expected {size} bytes of stream {stream}");
                Statistics.PacketsSkipped++;
                continue;
            }
            if (!Input.TryEnsure(size))
                throw Error(Input.Offset, $"truncated packet: expected {size} bytes, found {Input.Buffered}");
            try
            {
                var length = Aedat4Schema.Decompress(Input.Peek(size), _compression, ref _packet);
                var (start, count) = Aedat4Schema.LocateEvents(_packet, length);
                _next = start;
                _end = start + (count * Aedat4Schema.EventStructSize);
            }
            catch (Exception error) when (error is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException or ZstdSharp.ZstdException)
            {
                throw new EventFileException(Path, offset, $"corrupt event packet: {error.Message}", error);
            }
            _packetOffset = offset;
            Input.Advance(size);
            Statistics.PacketsRead++;
            if (_next < _end)
                return true;
        }
    }

    private int ParseEvents(EventBuffer destination, int count)
    {
        var bytes = _packet.AsSpan(_next, count * Aedat4Schema.EventStructSize);
        var (xs, ys, ps, ts) = destination.RawArrays;
        var n = destination.Count;
        var last = LastTimestamp;
        for (var i = 0; i < count; i++)
        {
            var e = bytes.Slice(i * Aedat4Schema.EventStructSize, Aedat4Schema.EventStructSize);
            var t = BinaryPrimitives.ReadInt64LittleEndian(e);
            if (t < last)
                throw BackwardsTimestamp(_packetOffset, t);
            last = t;
            int x = BinaryPrimitives.ReadInt16LittleEndian(e[8..]);
            int y = BinaryPrimitives.ReadInt16LittleEndian(e[10..]);
            if ((x | y) < 0)
                throw Error(_packetOffset, $"event {i} of the packet has negative coordinates ({x}, {y})");
            ts[n] = t;
            xs[n] = x;
            ys[n] = y;
            ps[n] = e[12] != 0 ? (byte)1 : (byte)0;
            n++;
        }
        _next += bytes.Length;
        destination.SetCount(n);
        LastTimestamp = last;
        return count;
    }
}
