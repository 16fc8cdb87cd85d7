using System.Text;

namespace Neuro.Data.Formats;

/// <summary>Opens event files of any supported format, choosing the reader from the first header line.</summary>
public static class EventFile
{
    private static readonly (string Magic, EventFileFormat Format)[] Magics =
    [
        (Aedat4Schema.Magic, EventFileFormat.Aedat4),
        (Aedat31Reader.Magic, EventFileFormat.Aedat31),
        (Aedat2Reader.Magic, EventFileFormat.Aedat2),
    ];

    /// <summary>The format of <paramref name="path"/>, from its first bytes.</summary>
    /// <exception cref="EventFileException">The file starts with no supported magic.</exception>
    public static EventFileFormat Sniff(string path)
    {
        using var stream = File.OpenRead(path);
        return Sniff(stream, path);
    }

    /// <summary>The format of the data at the current position of <paramref name="stream"/>; the stream is read, not rewound.</summary>
    public static EventFileFormat Sniff(Stream stream, string path)
    {
        Span<byte> head = stackalloc byte[40];
        var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..length];
        foreach (var (magic, format) in Magics)
        {
            if (head.StartsWith(Encoding.ASCII.GetBytes(magic)))
                return format;
        }
        var found = EventReader.Printable(head);
        var hint = head.StartsWith("#!AER-DAT"u8) ? " (this AEDAT version is not supported)" : string.Empty;
        throw new EventFileException(path, 0,
            $"wrong magic: expected '{Aedat2Reader.Magic}', '{Aedat31Reader.Magic}' or '{Aedat4Schema.Magic}', found '{found}'{hint}");
    }

    /// <summary>Opens <paramref name="path"/> with the reader its header calls for.</summary>
    /// <exception cref="EventFileException">The header is not one of a supported format, or is corrupt.</exception>
    public static EventReader Open(string path, EventReaderOptions? options = null)
    {
        options ??= EventReaderOptions.Default;
        var format = Sniff(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            return format switch
            {
                EventFileFormat.Aedat2 => new Aedat2Reader(stream, path, options),
                EventFileFormat.Aedat31 => new Aedat31Reader(stream, path, options),
                _ => new Aedat4Reader(stream, path, options),
            };
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
