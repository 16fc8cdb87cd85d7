using System.Buffers.Binary;
using System.Text;
using Neuro.Data.Events;

namespace Neuro.Data.Tests;

/// <summary>A temporary folder deleted when the test ends.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "neuro-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Builds AEDAT files byte by byte, so tests check the readers against the specification rather than against our own writers.</summary>
internal static class Bytes
{
    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Aedat31Header(string source = "DVS128") =>
        Ascii($"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: {source}\r\n#!END-HEADER\r\n");

    public static byte[] PacketHeader(short type, int size, int tsOffset, int overflow, int capacity, int number, int valid, short source = 1)
    {
        var header = new byte[28];
        BinaryPrimitives.WriteInt16LittleEndian(header, type);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(2), source);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), size);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), tsOffset);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), overflow);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), capacity);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), number);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), valid);
        return header;
    }

    /// <summary>One AEDAT 3.1 polarity event: data word (valid bit 0, polarity bit 1, y bits 2–16, x bits 17–31) and timestamp.</summary>
    public static byte[] PolarityEvent(int x, int y, bool on, int timestamp, bool valid = true)
    {
        var data = ((uint)x << 17) | ((uint)y << 2) | (on ? 2u : 0u) | (valid ? 1u : 0u);
        var e = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(e, data);
        BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(4), timestamp);
        return e;
    }

    /// <summary>One AEDAT 2.0 record: big-endian address and timestamp.</summary>
    public static byte[] Aedat2Record(uint address, uint timestamp)
    {
        var e = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(e, address);
        BinaryPrimitives.WriteUInt32BigEndian(e.AsSpan(4), timestamp);
        return e;
    }

    public static EventBuffer Events(params DvsEvent[] events)
    {
        var buffer = new EventBuffer(events.Length);
        foreach (var e in events)
            buffer.Add(e);
        return buffer;
    }

    public static List<DvsEvent> ToList(EventBuffer buffer) => Enumerable.Range(0, buffer.Count).Select(i => buffer[i]).ToList();
}
