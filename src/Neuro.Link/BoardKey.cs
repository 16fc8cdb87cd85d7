using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Neuro.Link;

/// <summary>
/// A board's deploy key (provisioned in its firmware; the host keeps it in a key file) and the tag it signs a
/// deploy with: HMAC-SHA256(key, SHA-256(program) ‖ counter ‖ size), counter and size u32 little-endian
/// (docs/protocol.md section 7.1).
/// </summary>
public sealed class BoardKey
{
    public const int MinBytes = 16;
    public const int MaxBytes = 64;

    private readonly byte[] _key;

    public BoardKey(byte[] key)
    {
        if (key.Length is < MinBytes or > MaxBytes)
        {
            throw new LinkException($"a board key is {MinBytes} to {MaxBytes} bytes, this one is {key.Length}");
        }
        _key = (byte[])key.Clone();
    }

    public string ToHex() => Convert.ToHexString(_key).ToLowerInvariant();

    /// <summary>
    /// Reads a key file: the key in hex (whitespace ignored), lines starting with '#' are comments.
    /// </summary>
    public static BoardKey Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new LinkException($"key file '{path}' does not exist");
        }
        var hex = string.Concat(File.ReadAllLines(path)
            .Where(line => !line.TrimStart().StartsWith('#'))
            .SelectMany(line => line.Where(c => !char.IsWhiteSpace(c))));
        if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new LinkException($"key file '{path}' is not a hex key ({hex.Length} characters, expected an even number of 0-9a-f)");
        }
        try
        {
            return new BoardKey(Convert.FromHexString(hex));
        }
        catch (LinkException e)
        {
            throw new LinkException($"key file '{path}': {e.Message}");
        }
    }

    /// <summary>A fresh random key, written as a key file (temp file + move, so no half-written key).</summary>
    public static BoardKey Generate(string path)
    {
        var key = new BoardKey(RandomNumberGenerator.GetBytes(32));
        var temp = path + ".tmp";
        File.WriteAllText(temp, "# Neuro board deploy key (HMAC-SHA256). Provision the same bytes in the board's firmware.\n" + key.ToHex() + "\n");
        File.Move(temp, path, overwrite: true);
        return key;
    }

    /// <summary>The tag of a deploy of a program with this hash, counter and size.</summary>
    public byte[] Tag(ReadOnlySpan<byte> programHash, uint counter, uint size)
    {
        Span<byte> message = stackalloc byte[40];
        programHash.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message[32..], counter);
        BinaryPrimitives.WriteUInt32LittleEndian(message[36..], size);
        return HMACSHA256.HashData(_key, message);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"BoardKey({_key.Length} bytes)");
}
