namespace Neuro.Link.Framing;

/// <summary>
/// Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): removes every 0x00 from a block so 0x00 can
/// delimit frames on the wire, at a cost of one byte per 254 plus one.
/// </summary>
public static class Cobs
{
    /// <summary>Largest encoded length of <paramref name="length"/> bytes (without the delimiter).</summary>
    public static int MaxEncodedLength(int length) => length + length / 254 + 1;

    /// <summary>Encodes <paramref name="data"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> output)
    {
        int codeAt = 0;
        int written = 1;
        byte code = 1;
        foreach (byte b in data)
        {
            if (b == 0)
            {
                output[codeAt] = code;
                codeAt = written++;
                code = 1;
                continue;
            }
            output[written++] = b;
            if (++code == 0xFF)
            {
                output[codeAt] = code;
                codeAt = written++;
                code = 1;
            }
        }
        output[codeAt] = code;
        return written;
    }

    /// <summary>Decodes one block; returns false for a malformed block (a zero byte, a code running past the end).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, Span<byte> output, out int written)
    {
        written = 0;
        int read = 0;
        while (read < data.Length)
        {
            byte code = data[read++];
            if (code == 0)
            {
                return false;
            }
            for (int i = 1; i < code; i++)
            {
                if (read >= data.Length || data[read] == 0 || written >= output.Length)
                {
                    return false;
                }
                output[written++] = data[read++];
            }
            if (code != 0xFF && read < data.Length)
            {
                if (written >= output.Length)
                {
                    return false;
                }
                output[written++] = 0;
            }
        }
        return true;
    }
}
