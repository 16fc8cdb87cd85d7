using System.Runtime.CompilerServices;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Streams the polarity events of one file into <see cref="EventBuffer"/>s, a batch at a time, so a file of
/// any size is read with bounded memory. Open one with <see cref="EventFile.Open(string, EventReaderOptions?)"/>,
/// which picks the format from the header. Events come out in non-decreasing timestamp order; a file whose
/// timestamps go backwards fails with an <see cref="EventFileException"/>.
/// </summary>
public abstract class EventReader : IDisposable
{
    private bool _disposed;

    private protected EventReader(Stream stream, string path, EventReaderOptions options, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        Path = path;
        Options = options;
        Input = new BufferedInput(stream, options.BufferSize, leaveOpen);
    }

    /// <summary>The file (or the name given for a stream), used in error messages.</summary>
    public string Path { get; }

    /// <summary>What the header said.</summary>
    public abstract EventFileInfo Info { get; }

    /// <summary>Counters of what was read and skipped so far.</summary>
    public EventReaderStatistics Statistics { get; } = new();

    private protected EventReaderOptions Options { get; }

    private protected BufferedInput Input { get; }

    /// <summary>Timestamp of the last delivered event, for the monotonicity check.</summary>
    private protected long LastTimestamp { get; set; } = long.MinValue;

    /// <summary>
    /// Appends up to <paramref name="maxEvents"/> events to <paramref name="destination"/> and returns how many
    /// were appended; 0 means the end of the file.
    /// </summary>
    public int Read(EventBuffer destination, int maxEvents)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        ObjectDisposedException.ThrowIf(_disposed, this);
        destination.EnsureCapacity(destination.Count + maxEvents);
        var appended = ReadCore(destination, maxEvents);
        Statistics.EventsRead += appended;
        Statistics.BytesRead = Input.Offset;
        return appended;
    }

    /// <summary>Reads the rest of the file into one buffer. Prefer <see cref="ReadBatches"/> for files of unknown size.</summary>
    public EventBuffer ReadAll(CancellationToken cancellationToken = default)
    {
        var all = new EventBuffer(1 << 16);
        while (Read(all, 1 << 16) > 0)
            cancellationToken.ThrowIfCancellationRequested();
        return all;
    }

    /// <summary>
    /// The rest of the file as batches of at most <paramref name="batchSize"/> events. The same buffer is
    /// refilled for each batch: copy what must outlive the next iteration.
    /// </summary>
    public IEnumerable<EventBuffer> ReadBatches(int batchSize = 1 << 16, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batch = new EventBuffer(batchSize);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            if (Read(batch, batchSize) == 0)
                yield break;
            yield return batch;
        }
    }

    /// <summary>Asynchronous form of <see cref="ReadBatches"/>, for pipelines that consume events as an async stream.</summary>
    public async IAsyncEnumerable<EventBuffer> ReadBatchesAsync(int batchSize = 1 << 16, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var batch in ReadBatches(batchSize, cancellationToken))
        {
            yield return batch;
            // Parsing is CPU work on buffered bytes; yielding between batches keeps a consumer's loop responsive.
            await Task.Yield();
        }
    }

    /// <summary>Format-specific reading: append up to <paramref name="maxEvents"/> events; capacity is already ensured.</summary>
    private protected abstract int ReadCore(EventBuffer destination, int maxEvents);

    /// <summary>An <see cref="EventFileException"/> for this file at <paramref name="offset"/>.</summary>
    private protected EventFileException Error(long offset, string problem) => new(Path, offset, problem);

    /// <summary>The error for an event whose timestamp is earlier than the one before it.</summary>
    private protected EventFileException BackwardsTimestamp(long offset, long timestamp) =>
        Error(offset, $"timestamps must not go backwards: expected at least {LastTimestamp} µs, found {timestamp} µs");

    /// <summary>
    /// Checks that the stream starts with <paramref name="magic"/> and consumes that first line. A mismatch
    /// fails with the bytes actually found.
    /// </summary>
    private protected string ExpectMagic(string magic)
    {
        Input.TryEnsure(magic.Length);
        var found = Input.Window[..Math.Min(Input.Buffered, magic.Length)];
        if (!found.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(magic)))
            throw Error(Input.Offset, $"wrong magic: expected '{magic}', found '{Printable(found)}'");
        return Input.TryReadLine(maxLength: 256)
            ?? throw Error(Input.Offset, $"truncated header: expected the '{magic}' line to end in CRLF");
    }

    /// <summary>Up to 40 bytes as text for an error message, with non-printable bytes shown as '?'.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return "end of file";
        var chars = new char[Math.Min(bytes.Length, 40)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = bytes[i] is >= (byte)' ' and <= (byte)'~' ? (char)bytes[i] : '?';
        return new string(chars);
    }

    /// <summary>
    /// Reads header lines starting with '#', as AEDAT 2.0 and 3.x use, up to and including a line equal to
    /// <paramref name="terminator"/>, or else up to the first byte that is not '#'.
    /// </summary>
    private protected List<string> ReadHashHeader(string terminator, bool terminatorRequired)
    {
        var lines = new List<string>();
        while (Input.TryEnsure(1) && Input.Peek(1)[0] == (byte)'#')
        {
            var offset = Input.Offset;
            var line = Input.TryReadLine(maxLength: 1 << 16)
                ?? throw Error(offset, "truncated header: expected a header line ending in CRLF");
            lines.Add(line);
            if (line.Equals(terminator, StringComparison.OrdinalIgnoreCase))
                return lines;
        }
        if (terminatorRequired)
            throw Error(Input.Offset, $"truncated header: expected a '{terminator}' line before the binary data");
        return lines;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Input.Dispose();
        GC.SuppressFinalize(this);
    }
}
