using System.Buffers.Binary;
using Neuro.Data.Events;
using Neuro.Data.Formats;

namespace Neuro.Data.Tests;

public sealed class Aedat4ReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static EventBuffer SomeEvents(int count, int seed)
    {
        var random = new Random(seed);
        var events = new EventBuffer(count);
        long t = 1_700_000_000_000_000;
        for (var i = 0; i < count; i++)
        {
            t += random.Next(0, 5);
            events.Add(t, random.Next(346), random.Next(260), random.Next(2) == 1);
        }
        return events;
    }

    [Theory]
    [InlineData(Aedat4Compression.None)]
    [InlineData(Aedat4Compression.Lz4)]
    [InlineData(Aedat4Compression.Lz4High)]
    [InlineData(Aedat4Compression.Zstd)]
    [InlineData(Aedat4Compression.ZstdHigh)]
    public void Events_written_per_the_spec_read_back_identically(Aedat4Compression compression)
    {
        var events = SomeEvents(50_000, 3);
        var path = _dir.File("dv.aedat4");
        using (var writer = new Aedat4Writer(File.Create(path), compression, 346, 260, "DAVIS346_TEST"))
        {
            for (var start = 0; start < events.Count; start += 12_000)
                writer.Write(events, start, Math.Min(12_000, events.Count - start));
        }

        using var reader = EventFile.Open(path);
        var read = reader.ReadAll();

        Assert.Equal(Bytes.ToList(events), Bytes.ToList(read));
        Assert.Equal(compression, ((Aedat4Reader)reader).Compression);
        Assert.Equal((346, 260), (reader.Info.Width, reader.Info.Height));
        Assert.Equal(5, reader.Statistics.PacketsRead);
    }

    /// <summary>
    /// A size-prefixed EventPacket with one event, laid out by hand from the FlatBuffers rules:
    /// root offset, "EVTS", a 6-byte vtable (field 0 at table offset 4), the table, the vector length and one
    /// 16-byte Event struct {timestamp int64, x int16, y int16, polarity bool, 3 bytes padding}.
    /// </summary>
    private static byte[] HandBuiltEventPacket(string identifier = "EVTS")
    {
        var fb = new byte[48];
        BinaryPrimitives.WriteUInt32LittleEndian(fb, 16);                 // root table at 16
        Bytes.Ascii(identifier).CopyTo(fb, 4);
        BinaryPrimitives.WriteUInt16LittleEndian(fb.AsSpan(8), 6);        // vtable size
        BinaryPrimitives.WriteUInt16LittleEndian(fb.AsSpan(10), 8);       // table size
        BinaryPrimitives.WriteUInt16LittleEndian(fb.AsSpan(12), 4);       // field 0 (elements) at table + 4
        BinaryPrimitives.WriteInt32LittleEndian(fb.AsSpan(16), 16 - 8);   // table → vtable at 8
        BinaryPrimitives.WriteUInt32LittleEndian(fb.AsSpan(20), 28 - 20); // elements vector at 28
        BinaryPrimitives.WriteUInt32LittleEndian(fb.AsSpan(28), 1);       // one element
        BinaryPrimitives.WriteInt64LittleEndian(fb.AsSpan(32), 123_456);  // timestamp
        BinaryPrimitives.WriteInt16LittleEndian(fb.AsSpan(40), 17);       // x
        BinaryPrimitives.WriteInt16LittleEndian(fb.AsSpan(42), 99);       // y
        fb[44] = 1;                                                      // ON
        var packet = new byte[4 + fb.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet, (uint)fb.Length);
        fb.CopyTo(packet, 4);
        return packet;
    }

    private string WriteHandBuiltFile(byte[] packet, int? declaredSize = null)
    {
        var header = Formats.Aedat4Schema.BuildIoHeader(Aedat4Compression.None, -1,
            Formats.Aedat4Schema.BuildInfoNode(Aedat4Compression.None, 128, 128, "DVS128"));
        var packetHeader = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(packetHeader, 0);
        BinaryPrimitives.WriteInt32LittleEndian(packetHeader.AsSpan(4), declaredSize ?? packet.Length);
        var path = _dir.File("hand.aedat4");
        File.WriteAllBytes(path, Bytes.Concat(Bytes.Ascii("#!AER-DAT4.0\r\n"), header, packetHeader, packet));
        return path;
    }

    [Fact]
    public void A_hand_built_uncompressed_event_packet_decodes_to_its_event()
    {
        var path = WriteHandBuiltFile(HandBuiltEventPacket());

        using var reader = EventFile.Open(path);

        Assert.Equal([new DvsEvent(123_456, 17, 99, true)], Bytes.ToList(reader.ReadAll()));
        Assert.Equal(EventFileFormat.Aedat4, reader.Info.Format);
    }

    [Fact]
    public void A_packet_with_another_flatbuffer_identifier_is_rejected()
    {
        var path = WriteHandBuiltFile(HandBuiltEventPacket("FRME"));

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Contains("'EVTS'", error.Message);
    }

    [Fact]
    public void A_packet_larger_than_the_rest_of_the_file_is_truncated()
    {
        var packet = HandBuiltEventPacket();
        var path = WriteHandBuiltFile(packet, declaredSize: packet.Length + 100);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Contains("truncated packet", error.Message);
        Assert.Equal(new FileInfo(path).Length - packet.Length - 8, error.Offset);
    }

    [Fact]
    public void A_flatbuffer_size_prefix_that_disagrees_with_the_packet_is_rejected()
    {
        var packet = HandBuiltEventPacket();
        BinaryPrimitives.WriteUInt32LittleEndian(packet, 1000);
        var path = WriteHandBuiltFile(packet);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Contains("sizes disagree", error.Message);
    }

    [Fact]
    public void A_corrupted_LZ4_packet_fails_with_the_packet_offset()
    {
        var path = _dir.File("lz4.aedat4");
        var events = SomeEvents(5000, 4);
        using (var writer = new Aedat4Writer(File.Create(path), Aedat4Compression.Lz4, 346, 260))
            writer.Write(events, 0, events.Count);
        var bytes = File.ReadAllBytes(path);
        var magicAt = FindLz4Magic(bytes);
        bytes[magicAt + 4] ^= 0xFF; // break the frame descriptor
        File.WriteAllBytes(path, bytes);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(magicAt - 8, error.Offset);
        Assert.Contains("corrupt event packet", error.Message);
    }

    private static int FindLz4Magic(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length - 4; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x184D2204)
                return i;
        }
        throw new InvalidOperationException("no LZ4 frame");
    }

    [Fact]
    public void An_IOHeader_size_beyond_the_file_is_a_truncated_header()
    {
        var path = _dir.File("short.aedat4");
        File.WriteAllBytes(path, Bytes.Concat(Bytes.Ascii("#!AER-DAT4.0\r\n"), [0x00, 0x10, 0x00, 0x00], new byte[20]));

        var error = Assert.Throws<EventFileException>(() => EventFile.Open(path));

        Assert.Equal(14, error.Offset);
        Assert.Contains("truncated header", error.Message);
    }

    [Fact]
    public void The_LZ4_frame_decoder_handles_linked_blocks_with_block_and_content_checksums()
    {
        // DV's LZ4 preferences chain blocks, so later blocks refer back into earlier ones: build such a frame with
        // K4os's chained encoder and the frame layout of the LZ4 frame format specification.
        var content = Enumerable.Range(0, 200_000).Select(i => (byte)((i % 251) ^ (i >> 9))).ToArray();
        const int blockSize = 64 * 1024;
        var frame = new List<byte>();
        void Word(uint value) => frame.AddRange(BitConverter.GetBytes(value));
        Word(0x184D2204);
        byte[] descriptor = [0x40 | 0x10 | 0x04, 0x40]; // version 01, linked blocks, block + content checksums; 64 KiB blocks
        frame.AddRange(descriptor);
        frame.Add((byte)(System.IO.Hashing.XxHash32.HashToUInt32(descriptor) >> 8));
        using var encoder = K4os.Compression.LZ4.Encoders.LZ4Encoder.Create(true, K4os.Compression.LZ4.LZ4Level.L00_FAST, blockSize);
        var target = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(blockSize)];
        for (var pos = 0; pos < content.Length; pos += blockSize)
        {
            var block = content.AsSpan(pos, Math.Min(blockSize, content.Length - pos));
            var action = K4os.Compression.LZ4.Encoders.LZ4EncoderExtensions.TopupAndEncode(encoder, block, target, true, false, out _, out var encoded);
            Assert.Equal(K4os.Compression.LZ4.Encoders.EncoderAction.Encoded, action);
            Word((uint)encoded);
            frame.AddRange(target.AsSpan(0, encoded).ToArray());
            Word(System.IO.Hashing.XxHash32.HashToUInt32(target.AsSpan(0, encoded)));
        }
        Word(0);
        Word(System.IO.Hashing.XxHash32.HashToUInt32(content));
        var output = new byte[16];

        var length = Aedat4Schema.Decompress(frame.ToArray(), Aedat4Compression.Lz4, ref output);

        Assert.Equal(content, output[..length]);
    }

    [Fact]
    public void The_LZ4_high_compression_output_decodes_to_its_input()
    {
        var content = Enumerable.Range(0, 150_000).Select(i => (byte)(i * 7 % 13)).ToArray();
        var output = Array.Empty<byte>();

        var length = Aedat4Schema.Decompress(Aedat4Schema.Compress(content, Aedat4Compression.Lz4High), Aedat4Compression.Lz4High, ref output);

        Assert.Equal(content, output[..length]);
    }
}
