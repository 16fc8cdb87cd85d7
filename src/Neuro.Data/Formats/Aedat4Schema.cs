using System.Buffers;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using System.Buffers.Binary;
using System.Xml.Linq;
using Google.FlatBuffers;
using Neuro.Data.Events;
using ZstdSharp;

namespace Neuro.Data.Formats;

/// <summary>
/// Hand-written FlatBuffer accessors and builders for the parts of dv-processing's AEDAT 4.0 schemas this
/// library needs, on top of Google.FlatBuffers' <see cref="Table"/>, <see cref="ByteBuffer"/> and
/// <see cref="FlatBufferBuilder"/>:
/// <code>
/// table IOHeader { compression: CompressionType = NONE; dataTablePosition: int64 = -1; infoNode: string; }   // "IOHE"
/// struct Event { timestamp: int64; x: int16; y: int16; polarity: bool; }                                 // 16 bytes
/// table EventPacket { elements: [Event]; }                                                              // "EVTS"
/// struct PacketHeader { StreamID: int32; Size: int32; }
/// table FileDataDefinition { ByteOffset: int64; PacketInfo: PacketHeader; NumElements: int64;
///                            TimestampStart: int64; TimestampEnd: int64; }
/// table FileDataTable { Table: [FileDataDefinition]; }                                                  // "FTAB"
/// </code>
/// Every buffer is size-prefixed. The file is <c>#!AER-DAT4.0\r\n</c>, the IOHeader, then packets (a
/// PacketHeader and Size bytes of compressed FlatBuffer), then the compressed FileDataTable at
/// dataTablePosition.
/// </summary>
internal static class Aedat4Schema
{
    public const string Magic = "#!AER-DAT4.0";
    public const string EventPacketIdentifier = "EVTS";
    public const int EventStructSize = 16;
    public const int PacketHeaderSize = 8;

    /// <summary>The decoded IOHeader.</summary>
    public sealed record IoHeader(Aedat4Compression Compression, long DataTablePosition, string InfoNode);

    /// <summary>A stream declared in the info node.</summary>
    public sealed record StreamInfo(int Id, string TypeIdentifier, int? Width, int? Height, string? Source);

    /// <summary>Decodes an IOHeader from its FlatBuffer bytes (the bytes after the size prefix).</summary>
    public static IoHeader ReadIoHeader(byte[] bytes)
    {
        var bb = new ByteBuffer(bytes);
        var table = new Table(bb.GetInt(0), bb);
        var o = table.__offset(4);
        var compression = o != 0 ? bb.GetInt(table.bb_pos + o) : 0;
        o = table.__offset(6);
        var dataTable = o != 0 ? bb.GetLong(table.bb_pos + o) : -1;
        o = table.__offset(8);
        var info = o != 0 ? table.__string(table.bb_pos + o) : string.Empty;
        if (!Enum.IsDefined(typeof(Aedat4Compression), compression))
            throw new InvalidDataException($"unknown compression type {compression}");
        return new IoHeader((Aedat4Compression)compression, dataTable, info);
    }

    /// <summary>
    /// Builds a size-prefixed IOHeader. Defaults are forced into the buffer so its length does not depend on
    /// the values: the writer rewrites it in place once the data table position is known.
    /// </summary>
    public static byte[] BuildIoHeader(Aedat4Compression compression, long dataTablePosition, string infoNode)
    {
        var builder = new FlatBufferBuilder(256 + (infoNode.Length * 2)) { ForceDefaults = true };
        var info = builder.CreateString(infoNode);
        builder.StartTable(3);
        builder.AddLong(1, dataTablePosition, -1);
        builder.AddInt(0, (int)compression, 0);
        builder.AddOffset(2, info.Value, 0);
        var root = builder.EndTable();
        builder.FinishSizePrefixed(root, "IOHE");
        return builder.SizedByteArray();
    }

    /// <summary>The streams declared by an info node, in document order.</summary>
    public static IReadOnlyList<StreamInfo> ReadStreams(string infoNode)
    {
        var document = XDocument.Parse(infoNode);
        var streams = new List<StreamInfo>();
        foreach (var node in document.Descendants("node"))
        {
            if (!int.TryParse((string?)node.Attribute("name"), out var id))
                continue;
            var type = Attr(node, "typeIdentifier");
            if (type is null)
                continue;
            var info = node.Elements("node").FirstOrDefault(child => (string?)child.Attribute("name") == "info");
            int? width = int.TryParse(info is null ? null : Attr(info, "sizeX"), out var w) ? w : null;
            int? height = int.TryParse(info is null ? null : Attr(info, "sizeY"), out var h) ? h : null;
            streams.Add(new StreamInfo(id, type, width, height, info is null ? null : Attr(info, "source")));
        }
        return streams;
    }

    private static string? Attr(XElement node, string key) =>
        node.Elements("attr").FirstOrDefault(a => (string?)a.Attribute("key") == key)?.Value;

    /// <summary>The info node DV writes for a single event stream with id 0.</summary>
    public static string BuildInfoNode(Aedat4Compression compression, int width, int height, string source) =>
        new XDocument(
            new XElement("dv", new XAttribute("version", "2.0"),
                new XElement("node", new XAttribute("name", "outInfo"), new XAttribute("path", "/mainloop/Recorder/outInfo/"),
                    new XElement("node", new XAttribute("name", "0"), new XAttribute("path", "/mainloop/Recorder/outInfo/0/"),
                        AttrElement("compression", "string", CompressionName(compression)),
                        AttrElement("originalModuleName", "string", source),
                        AttrElement("originalOutputName", "string", "events"),
                        AttrElement("typeDescription", "string", "Array of events (polarity ON/OFF)."),
                        AttrElement("typeIdentifier", "string", EventPacketIdentifier),
                        new XElement("node", new XAttribute("name", "info"), new XAttribute("path", "/mainloop/Recorder/outInfo/0/info/"),
                            AttrElement("sizeX", "int", width.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            AttrElement("sizeY", "int", height.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            AttrElement("source", "string", source))))))
            .ToString(SaveOptions.DisableFormatting);

    private static XElement AttrElement(string key, string type, string value) =>
        new("attr", new XAttribute("key", key), new XAttribute("type", type), value);

    private static string CompressionName(Aedat4Compression compression) => compression switch
    {
        Aedat4Compression.Lz4 => "LZ4",
        Aedat4Compression.Lz4High => "LZ4_HIGH",
        Aedat4Compression.Zstd => "ZSTD",
        Aedat4Compression.ZstdHigh => "ZSTD_HIGH",
        _ => "NONE",
    };

    /// <summary>
    /// Locates the elements of a size-prefixed EventPacket held in the first <paramref name="length"/> bytes
    /// of <paramref name="bytes"/>: the byte offset of the first Event struct and the number of structs.
    /// </summary>
    public static (int Start, int Count) LocateEvents(byte[] bytes, int length)
    {
        if (length < 12)
            throw new InvalidDataException($"an EventPacket needs at least 12 bytes, found {length}");
        var prefix = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (prefix != length - 4)
            throw new InvalidDataException($"sizes disagree: the FlatBuffer size prefix says {prefix} bytes, the packet decompresses to {length - 4}");
        var bb = new ByteBuffer(bytes) { Position = 4 };
        if (!Table.__has_identifier(bb, EventPacketIdentifier))
            throw new InvalidDataException($"expected the '{EventPacketIdentifier}' FlatBuffer identifier, found '{System.Text.Encoding.ASCII.GetString(bytes, 8, 4)}'");
        var rootPosition = 4 + bb.GetInt(4);
        if (rootPosition < 8 || rootPosition > length - 4)
            throw new InvalidDataException($"root table offset {rootPosition} lies outside the {length}-byte packet");
        var table = new Table(rootPosition, bb);
        var vtable = rootPosition - bb.GetInt(rootPosition);
        if (vtable < 4 || vtable > length - 4 || vtable + bb.GetShort(vtable) > length)
            throw new InvalidDataException($"vtable at {vtable} lies outside the {length}-byte packet");
        var o = table.__offset(4);
        if (o == 0)
            return (0, 0);
        if (rootPosition + o > length - 4)
            throw new InvalidDataException("the elements field lies outside the packet");
        var start = table.__vector(o);
        var count = table.__vector_len(o);
        if (start < 0 || count < 0 || start > length || (long)count * EventStructSize > length - start)
            throw new InvalidDataException($"sizes disagree: {count} events of {EventStructSize} bytes at {start} do not fit in a {length}-byte packet");
        return (start, count);
    }

    /// <summary>Builds a size-prefixed EventPacket holding <paramref name="count"/> events of <paramref name="events"/> from <paramref name="start"/>.</summary>
    public static byte[] BuildEventPacket(EventBuffer events, int start, int count)
    {
        var builder = new FlatBufferBuilder((count * EventStructSize) + 64);
        builder.StartVector(EventStructSize, count, 8);
        var (xs, ys, ps, ts) = events.RawArrays;
        for (var i = start + count - 1; i >= start; i--)
        {
            builder.Prep(8, EventStructSize);
            builder.Pad(3);
            builder.PutBool(ps[i] != 0);
            builder.PutShort(checked((short)ys[i]));
            builder.PutShort(checked((short)xs[i]));
            builder.PutLong(ts[i]);
        }
        var elements = builder.EndVector();
        builder.StartTable(1);
        builder.AddOffset(0, elements.Value, 0);
        var root = builder.EndTable();
        builder.FinishSizePrefixed(root, EventPacketIdentifier);
        return builder.SizedByteArray();
    }

    /// <summary>One row of the file data table.</summary>
    public sealed record DataTableEntry(long ByteOffset, int StreamId, int Size, long NumElements, long TimestampStart, long TimestampEnd);

    /// <summary>Builds a size-prefixed FileDataTable.</summary>
    public static byte[] BuildDataTable(IReadOnlyList<DataTableEntry> entries)
    {
        var builder = new FlatBufferBuilder(64 + (entries.Count * 64));
        var offsets = new int[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            builder.StartTable(5);
            builder.AddLong(4, entry.TimestampEnd, 0);
            builder.AddLong(3, entry.TimestampStart, 0);
            builder.AddLong(2, entry.NumElements, 0);
            builder.AddLong(0, entry.ByteOffset, 0);
            builder.Prep(4, PacketHeaderSize);
            builder.PutInt(entry.Size);
            builder.PutInt(entry.StreamId);
            builder.AddStruct(1, builder.Offset, 0);
            offsets[i] = builder.EndTable();
        }
        builder.StartVector(4, offsets.Length, 4);
        for (var i = offsets.Length - 1; i >= 0; i--)
            builder.AddOffset(offsets[i]);
        var table = builder.EndVector();
        builder.StartTable(1);
        builder.AddOffset(0, table.Value, 0);
        var root = builder.EndTable();
        builder.FinishSizePrefixed(root, "FTAB");
        return builder.SizedByteArray();
    }

    /// <summary>Compresses one packet the way DV does for <paramref name="compression"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> content, Aedat4Compression compression)
    {
        switch (compression)
        {
            case Aedat4Compression.None:
                return content.ToArray();
            case Aedat4Compression.Lz4:
            case Aedat4Compression.Lz4High:
                var encoded = new ArrayBufferWriter<byte>();
                LZ4Frame.Encode(content, encoded, compression == Aedat4Compression.Lz4High ? LZ4Level.L09_HC : LZ4Level.L00_FAST);
                return encoded.WrittenSpan.ToArray();
            default:
                using (var compressor = new Compressor(compression == Aedat4Compression.ZstdHigh ? 19 : 3))
                    return compressor.Wrap(content).ToArray();
        }
    }

    /// <summary>Decompresses one packet into <paramref name="output"/> (grown as needed) and returns its length.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Aedat4Compression compression, ref byte[] output)
    {
        switch (compression)
        {
            case Aedat4Compression.None:
                if (output.Length < source.Length)
                    output = new byte[source.Length];
                source.CopyTo(output);
                return source.Length;
            case Aedat4Compression.Lz4:
            case Aedat4Compression.Lz4High:
                var decoded = LZ4Frame.Decode(source, new ArrayBufferWriter<byte>());
                if (output.Length < decoded.WrittenCount)
                    output = new byte[decoded.WrittenCount];
                decoded.WrittenSpan.CopyTo(output);
                return decoded.WrittenCount;
            default:
                return DecompressZstd(source, ref output);
        }
    }

    private static int DecompressZstd(ReadOnlySpan<byte> source, ref byte[] output)
    {
        using var decompressor = new Decompressor();
        var size = Decompressor.GetDecompressedSize(source);
        const ulong limit = 1UL << 30;
        if (size <= limit)
        {
            if (output.Length < (int)size)
                output = new byte[(int)size];
            return decompressor.Unwrap(source, output.AsSpan(0, (int)size));
        }
        // The frame does not record its size: stream it out.
        using var input = new MemoryStream(source.ToArray());
        using var stream = new DecompressionStream(input);
        using var decoded = new MemoryStream();
        stream.CopyTo(decoded);
        if (decoded.Length > (long)limit)
            throw new InvalidDataException($"a Zstandard packet decompresses to more than {limit} bytes");
        if (output.Length < decoded.Length)
            output = new byte[decoded.Length];
        decoded.Position = 0;
        decoded.ReadExactly(output, 0, (int)decoded.Length);
        return (int)decoded.Length;
    }
}
