using System.Buffers.Binary;
using System.Text;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Writes polarity events as AEDAT 4.0 the way DV does: magic line, IOHeader, one compressed EventPacket per
/// <see cref="Write"/> call on stream 0 (<c>EVTS</c>), and on <see cref="Dispose"/> the compressed
/// FileDataTable, after which the IOHeader is rewritten with its position. The stream must be seekable.
/// </summary>
public sealed class Aedat4Writer : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Aedat4Compression _compression;
    private readonly string _infoNode;
    private readonly long _headerPosition;
    private readonly List<Aedat4Schema.DataTableEntry> _table = [];
    private long _lastTimestamp = long.MinValue;
    private bool _disposed;

    /// <summary>Writes the magic and a provisional IOHeader.</summary>
    public Aedat4Writer(Stream stream, Aedat4Compression compression, int width, int height, string source = "Neuro", bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
            throw new ArgumentException("AEDAT 4.0 needs a seekable stream: the header is rewritten at the end", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        _compression = compression;
        _infoNode = Aedat4Schema.BuildInfoNode(compression, width, height, source);
        _stream.Write(Encoding.ASCII.GetBytes(Aedat4Schema.Magic + "\r\n"));
        _headerPosition = _stream.Position;
        _stream.Write(Aedat4Schema.BuildIoHeader(compression, -1, _infoNode));
    }

    /// <summary>Writes <paramref name="count"/> events of <paramref name="events"/> from <paramref name="start"/> as one packet.</summary>
    public void Write(EventBuffer events, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(events);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var timestamps = events.Timestamps.Slice(start, count);
        foreach (var t in timestamps)
        {
            if (t < _lastTimestamp)
                throw new ArgumentException($"timestamp {t} µs is earlier than {_lastTimestamp} µs", nameof(events));
            _lastTimestamp = t;
        }
        var payload = Aedat4Schema.Compress(Aedat4Schema.BuildEventPacket(events, start, count), _compression);
        var offset = _stream.Position;
        Span<byte> header = stackalloc byte[Aedat4Schema.PacketHeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], payload.Length);
        _stream.Write(header);
        _stream.Write(payload);
        _table.Add(new Aedat4Schema.DataTableEntry(offset, 0, payload.Length, count,
            count > 0 ? timestamps[0] : 0, count > 0 ? timestamps[^1] : 0));
    }

    /// <summary>Writes the data table, fixes up the IOHeader and closes the stream unless it was left open.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        var tablePosition = _stream.Position;
        _stream.Write(Aedat4Schema.Compress(Aedat4Schema.BuildDataTable(_table), _compression));
        var end = _stream.Position;
        _stream.Position = _headerPosition;
        _stream.Write(Aedat4Schema.BuildIoHeader(_compression, tablePosition, _infoNode));
        _stream.Position = end;
        _stream.Flush();
        if (!_leaveOpen)
            _stream.Dispose();
    }
}
