using System.Buffers.Binary;
using System.Text;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Writes polarity events as AEDAT 3.1, the layout <see cref="Aedat31Reader"/> reads: header lines, then
/// polarity packets of at most <see cref="PacketCapacity"/> events with eventCapacity = eventNumber =
/// eventValid, split wherever the timestamp's overflow (bits 31 and up) changes. The output depends only on
/// the events and the header lines, so the same input gives the same bytes.
/// </summary>
public sealed class Aedat31Writer : IDisposable
{
    /// <summary>Events per packet, as cAER's default packet container size.</summary>
    public const int PacketCapacity = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly short _source;
    private readonly byte[] _packet = new byte[Aedat31Reader.PacketHeaderSize + (PacketCapacity * Aedat31Reader.PolarityEventSize)];
    private long _lastTimestamp = long.MinValue;

    /// <summary>Writes the header: the magic, <c>#Format: RAW</c>, <c>#Source 1: <paramref name="sourceName"/></c>, the extra comment lines, <c>#!END-HEADER</c>.</summary>
    /// <param name="stream">Where the file goes.</param>
    /// <param name="sourceName">The sensor named in the header, for example <c>DVS128</c>.</param>
    /// <param name="comments">Extra header lines, written after a leading '#'.</param>
    /// <param name="leaveOpen">Whether disposing the writer leaves <paramref name="stream"/> open.</param>
    public Aedat31Writer(Stream stream, string sourceName = "DVS128", IEnumerable<string>? comments = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _source = 1;
        var header = new StringBuilder();
        header.Append(Aedat31Reader.Magic).Append("\r\n");
        header.Append("#Format: RAW\r\n");
        header.Append("#Source 1: ").Append(sourceName).Append("\r\n");
        foreach (var comment in comments ?? [])
            header.Append('#').Append(comment).Append("\r\n");
        header.Append(Aedat31Reader.EndOfHeader).Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(header.ToString());
        _stream.Write(bytes);
    }

    /// <summary>Appends events; timestamps must not go backwards, also across calls, and coordinates must fit in 15 bits.</summary>
    public void Write(EventBuffer events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var (xs, ys, ps, ts) = events.RawArrays;
        var i = 0;
        while (i < events.Count)
        {
            var overflow = ts[i] >> 31;
            var body = _packet.AsSpan(Aedat31Reader.PacketHeaderSize);
            var n = 0;
            while (i < events.Count && n < PacketCapacity && ts[i] >> 31 == overflow)
            {
                var t = ts[i];
                if (t < _lastTimestamp || t < 0)
                    throw new ArgumentException($"event {i}: timestamp {t} µs is negative or earlier than {_lastTimestamp} µs", nameof(events));
                if ((uint)xs[i] > 0x7FFF || (uint)ys[i] > 0x7FFF)
                    throw new ArgumentException($"event {i}: ({xs[i]}, {ys[i]}) does not fit AEDAT 3.1's 15-bit coordinates", nameof(events));
                _lastTimestamp = t;
                var data = ((uint)xs[i] << 17) | ((uint)ys[i] << 2) | ((uint)ps[i] << 1) | 1u;
                BinaryPrimitives.WriteUInt32LittleEndian(body[(n * 8)..], data);
                BinaryPrimitives.WriteInt32LittleEndian(body[((n * 8) + 4)..], (int)(t & 0x7FFF_FFFF));
                n++;
                i++;
            }
            WritePacketHeader(_packet, Aedat31Reader.PolarityEventType, _source, (int)overflow, n);
            _stream.Write(_packet, 0, Aedat31Reader.PacketHeaderSize + (n * Aedat31Reader.PolarityEventSize));
        }
    }

    private static void WritePacketHeader(Span<byte> header, int type, short source, int overflow, int count)
    {
        BinaryPrimitives.WriteInt16LittleEndian(header, (short)type);
        BinaryPrimitives.WriteInt16LittleEndian(header[2..], source);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Aedat31Reader.PolarityEventSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Aedat31Reader.PolarityTimestampOffset);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], overflow);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], count);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], count);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], count);
    }

    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
            _stream.Dispose();
    }
}
