using System.Buffers.Binary;
using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace Neuro.Data.Formats;

/// <summary>
/// The LZ4 frame container (lz4 frame format 1.6.x) around K4os's LZ4 block codec, which does the actual
/// compression. DV writes every AEDAT 4.0 packet as one LZ4 frame; K4os's frame support lives in a separate
/// package this project does not reference, and the container is only a few header fields and block sizes.
/// </summary>
internal static class Lz4Frame
{
    private const uint FrameMagic = 0x184D2204;
    private const uint SkippableMagicMask = 0xFFFFFFF0;
    private const uint SkippableMagic = 0x184D2A50;
    private const int LinkedWindow = 64 * 1024;
    private const int WriteBlockSize = 64 * 1024;

    /// <summary>
    /// Decodes every frame in <paramref name="source"/> into <paramref name="output"/> (grown as needed) and
    /// returns the decoded length. Throws <see cref="InvalidDataException"/> describing the first problem.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, ref byte[] output)
    {
        var written = 0;
        var pos = 0;
        while (pos < source.Length)
        {
            if (source.Length - pos < 4)
                throw new InvalidDataException($"LZ4: {source.Length - pos} stray bytes after the last frame");
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(source[pos..]);
            if ((magic & SkippableMagicMask) == SkippableMagic)
            {
                var skip = (long)BinaryPrimitives.ReadUInt32LittleEndian(Need(source, pos + 4, 4));
                pos = checked((int)(pos + 8 + skip));
                continue;
            }
            if (magic != FrameMagic)
                throw new InvalidDataException($"LZ4: expected frame magic 0x{FrameMagic:X8}, found 0x{magic:X8}");
            pos = DecodeFrame(source, pos + 4, ref output, ref written);
        }
        return written;
    }

    private static int DecodeFrame(ReadOnlySpan<byte> source, int pos, ref byte[] output, ref int written)
    {
        var descriptorStart = pos;
        var flags = Need(source, pos, 2);
        var flg = flags[0];
        var bd = flags[1];
        if (flg >> 6 != 1)
            throw new InvalidDataException($"LZ4: unsupported frame version {flg >> 6}");
        var independent = (flg & 0x20) != 0;
        var blockChecksum = (flg & 0x10) != 0;
        var hasContentSize = (flg & 0x08) != 0;
        var contentChecksum = (flg & 0x04) != 0;
        if ((flg & 0x01) != 0)
            throw new InvalidDataException("LZ4: frames with a dictionary ID are not supported");
        var blockMaxSize = ((bd >> 4) & 0x7) switch
        {
            4 => 64 * 1024,
            5 => 256 * 1024,
            6 => 1024 * 1024,
            7 => 4 * 1024 * 1024,
            var id => throw new InvalidDataException($"LZ4: invalid block maximum size id {id}"),
        };
        pos += 2;
        if (hasContentSize)
        {
            var size = BinaryPrimitives.ReadUInt64LittleEndian(Need(source, pos, 8));
            if (size > int.MaxValue)
                throw new InvalidDataException($"LZ4: content size {size} is too large");
            Grow(ref output, written + (int)size);
            pos += 8;
        }
        var expectedHc = (byte)((XxHash32.HashToUInt32(source[descriptorStart..pos]) >> 8) & 0xFF);
        var hc = Need(source, pos, 1)[0];
        if (hc != expectedHc)
            throw new InvalidDataException($"LZ4: header checksum 0x{hc:X2} does not match 0x{expectedHc:X2}");
        pos++;

        var frameStart = written;
        while (true)
        {
            var word = BinaryPrimitives.ReadUInt32LittleEndian(Need(source, pos, 4));
            pos += 4;
            if (word == 0)
                break;
            var stored = (word & 0x8000_0000) != 0;
            var length = (int)(word & 0x7FFF_FFFF);
            if (length > blockMaxSize)
                throw new InvalidDataException($"LZ4: block of {length} bytes exceeds the frame's maximum of {blockMaxSize}");
            var block = Need(source, pos, length);
            pos += length;
            if (blockChecksum)
            {
                var expected = BinaryPrimitives.ReadUInt32LittleEndian(Need(source, pos, 4));
                if (XxHash32.HashToUInt32(block) != expected)
                    throw new InvalidDataException("LZ4: block checksum mismatch");
                pos += 4;
            }
            Grow(ref output, written + blockMaxSize);
            if (stored)
            {
                block.CopyTo(output.AsSpan(written));
                written += length;
                continue;
            }
            // Linked blocks may refer back up to 64 KiB into what this frame has already produced.
            var dictionaryStart = independent ? written : Math.Max(frameStart, written - LinkedWindow);
            var decoded = LZ4Codec.Decode(block, output.AsSpan(written, blockMaxSize), output.AsSpan(dictionaryStart, written - dictionaryStart));
            if (decoded < 0)
                throw new InvalidDataException("LZ4: corrupt compressed block");
            written += decoded;
        }
        if (contentChecksum)
        {
            var expected = BinaryPrimitives.ReadUInt32LittleEndian(Need(source, pos, 4));
            if (XxHash32.HashToUInt32(output.AsSpan(frameStart, written - frameStart)) != expected)
                throw new InvalidDataException("LZ4: content checksum mismatch");
            pos += 4;
        }
        return pos;
    }

    /// <summary>Writes <paramref name="content"/> as one LZ4 frame of independent 64 KiB blocks.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content, bool high)
    {
        var level = high ? LZ4Level.L09_HC : LZ4Level.L00_FAST;
        using var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, FrameMagic);
        output.Write(word);
        // FLG: version 01, independent blocks, no checksums, no content size. BD: 64 KiB blocks.
        ReadOnlySpan<byte> descriptor = [0x60, 0x40];
        output.Write(descriptor);
        output.WriteByte((byte)((XxHash32.HashToUInt32(descriptor) >> 8) & 0xFF));
        var compressed = new byte[LZ4Codec.MaximumOutputSize(WriteBlockSize)];
        for (var pos = 0; pos < content.Length; pos += WriteBlockSize)
        {
            var block = content.Slice(pos, Math.Min(WriteBlockSize, content.Length - pos));
            var length = LZ4Codec.Encode(block, compressed, level);
            if (length <= 0 || length >= block.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)block.Length | 0x8000_0000);
                output.Write(word);
                output.Write(block);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)length);
                output.Write(word);
                output.Write(compressed, 0, length);
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(word, 0);
        output.Write(word);
        return output.ToArray();
    }

    private static ReadOnlySpan<byte> Need(ReadOnlySpan<byte> source, int pos, int count)
    {
        if (pos < 0 || count < 0 || pos > source.Length - count)
            throw new InvalidDataException($"LZ4: frame ends early: expected {count} more bytes at frame offset {pos}");
        return source.Slice(pos, count);
    }

    private static void Grow(ref byte[] output, int size)
    {
        if (output.Length < size)
            Array.Resize(ref output, Math.Max(size, output.Length * 2));
    }
}
