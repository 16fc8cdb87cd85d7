using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;

namespace Neuro.Data.Caching;

/// <summary>How <see cref="FrameCache.GetOrBuild"/> obtained its samples.</summary>
public enum FrameCacheOutcome
{
    /// <summary>Read from an up-to-date cache file.</summary>
    Hit,

    /// <summary>No cache file existed; framed from the recordings and written.</summary>
    Built,

    /// <summary>The cache file belonged to other source files or options (size, mtime, options or format version changed); rebuilt.</summary>
    RebuiltStale,

    /// <summary>The cache file was damaged (bad magic, truncated, checksum mismatch); rebuilt.</summary>
    RebuiltCorrupt,
}

/// <summary>The framed samples of one split.</summary>
/// <param name="Split">The split.</param>
/// <param name="Options">The framing.</param>
/// <param name="Samples">Samples in dataset order (recordings in list order, labels in start order).</param>
/// <param name="Outcome">Whether the cache was hit or rebuilt, and why.</param>
/// <param name="CachePath">The cache file.</param>
public sealed record FramedSplit(DvsGestureSplit Split, FramingOptions Options, IReadOnlyList<FramedSample> Samples, FrameCacheOutcome Outcome, string CachePath);

/// <summary>
/// Keeps the framed samples of a dataset split in one binary file per split and framing options, so training
/// does not parse AEDAT every epoch. The file starts with a magic, a format version and a SHA-256 key of the
/// options and of every source file's name, size and modification time; each sample carries an XxHash64
/// checksum. A file whose key differs is stale and one that fails a check is corrupt: both are rebuilt.
/// </summary>
public sealed class FrameCache
{
    /// <summary>Version of the file layout; a file of another version is rebuilt.</summary>
    public const int FormatVersion = 1;

    private const int HeaderSize = 8 + 4 + 32 + (4 * 4);
    private static ReadOnlySpan<byte> Magic => "NEUROFRM"u8;

    /// <summary>A cache that keeps its files in <paramref name="directory"/> (created on first write).</summary>
    public FrameCache(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    /// <summary>Where the cache files are.</summary>
    public string Directory { get; }

    /// <summary>The cache file of <paramref name="split"/> framed with <paramref name="options"/>.</summary>
    public string PathFor(DvsGestureSplit split, FramingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(Directory, $"dvsgesture-{split.ToString().ToLowerInvariant()}-{options.Key}.frames");
    }

    /// <summary>
    /// The framed samples of <paramref name="split"/>: from the cache file when it is current and intact,
    /// otherwise framed from the recordings (in parallel, one recording per worker) and written back.
    /// </summary>
    public FramedSplit GetOrBuild(DvsGestureDataset dataset, DvsGestureSplit split, FramingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        var path = PathFor(split, options);
        var key = Key(dataset, split, options);
        var outcome = FrameCacheOutcome.Built;
        if (File.Exists(path))
        {
            var (samples, status) = TryRead(path, key, options);
            if (samples is not null)
                return new FramedSplit(split, options, samples, FrameCacheOutcome.Hit, path);
            outcome = status;
        }
        var built = Build(dataset, split, options, cancellationToken);
        try
        {
            Write(path, key, options, built);
        }
        catch (Exception error) when (error is UnauthorizedAccessException or IOException)
        {
            throw new DatasetException(
                $"cannot write the frame cache in {Directory} ({error.Message}); a read-only data set needs a writable cache folder (--cache DIR)");
        }
        return new FramedSplit(split, options, built, outcome, path);
    }

    private static List<FramedSample> Build(DvsGestureDataset dataset, DvsGestureSplit split, FramingOptions options, CancellationToken cancellationToken)
    {
        var recordings = dataset.Recordings(split);
        var perRecording = new List<FramedSample>[recordings.Count];
        Parallel.For(0, recordings.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            perRecording[i] = dataset.SamplesOf(recordings[i], cancellationToken).Select(s => FramedSample.From(s, options)).ToList());
        return perRecording.SelectMany(list => list).ToList();
    }

    /// <summary>SHA-256 over the format version, the options and every source file's name, size and mtime.</summary>
    private static byte[] Key(DvsGestureDataset dataset, DvsGestureSplit split, FramingOptions options)
    {
        var text = new StringBuilder();
        text.Append("neuro-frame-cache/").Append(FormatVersion).Append('\n');
        text.Append(split).Append('\n').Append(options.Key).Append('\n');
        var lists = new[] { DvsGestureDataset.TrainListFile, DvsGestureDataset.TestListFile }.Select(name => Path.Combine(dataset.Root, name));
        var sources = dataset.Recordings(split).SelectMany(r => new[] { r.EventsPath, r.LabelsPath }).Concat(lists);
        foreach (var source in sources)
        {
            var info = new FileInfo(source);
            text.Append(Path.GetFileName(source)).Append('|');
            text.Append(info.Exists ? info.Length : -1).Append('|');
            text.Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static void Write(string path, byte[] key, FramingOptions options, IReadOnlyList<FramedSample> samples)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
            key.CopyTo(header[12..]);
            BinaryPrimitives.WriteInt32LittleEndian(header[44..], samples.Count);
            BinaryPrimitives.WriteInt32LittleEndian(header[48..], options.Bins);
            BinaryPrimitives.WriteInt32LittleEndian(header[52..], options.FrameHeight);
            BinaryPrimitives.WriteInt32LittleEndian(header[56..], options.FrameWidth);
            stream.Write(header);
            foreach (var sample in samples)
                WriteSample(stream, sample);
        }
        // Replace atomically, so an interrupted build never leaves a half-written file under the real name.
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteSample(Stream stream, FramedSample sample)
    {
        var data = sample.Frames.Data;
        // Counts are stored as 16-bit integers when they all fit exactly, otherwise as floats: never truncated.
        var compact = data.All(v => v >= 0 && v <= ushort.MaxValue && v == MathF.Floor(v));
        var recording = Encoding.UTF8.GetBytes(sample.Recording);
        var lighting = Encoding.UTF8.GetBytes(sample.Lighting);
        var length = 4 + 4 + 8 + 8 + 8 + 2 + recording.Length + 2 + lighting.Length + 1 + (data.Length * (compact ? 2 : 4));
        var record = new byte[4 + length + 8];
        var span = record.AsSpan(4, length);
        BinaryPrimitives.WriteInt32LittleEndian(record, length);
        var pos = 0;
        BinaryPrimitives.WriteInt32LittleEndian(span[pos..], sample.ClassIndex); pos += 4;
        BinaryPrimitives.WriteInt32LittleEndian(span[pos..], sample.User); pos += 4;
        BinaryPrimitives.WriteInt64LittleEndian(span[pos..], sample.StartUs); pos += 8;
        BinaryPrimitives.WriteInt64LittleEndian(span[pos..], sample.EndUs); pos += 8;
        BinaryPrimitives.WriteInt64LittleEndian(span[pos..], sample.EventCount); pos += 8;
        pos = WriteText(span, pos, recording);
        pos = WriteText(span, pos, lighting);
        span[pos++] = compact ? (byte)0 : (byte)1;
        foreach (var v in data)
        {
            if (compact)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], (ushort)v);
                pos += 2;
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[pos..], v);
                pos += 4;
            }
        }
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4 + length), XxHash64.HashToUInt64(span));
        stream.Write(record);
    }

    private static int WriteText(Span<byte> span, int pos, byte[] text)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], checked((ushort)text.Length));
        text.CopyTo(span[(pos + 2)..]);
        return pos + 2 + text.Length;
    }

    private static (List<FramedSample>? Samples, FrameCacheOutcome Status) TryRead(string path, byte[] key, FramingOptions options)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize || !header[..8].SequenceEqual(Magic))
            return (null, FrameCacheOutcome.RebuiltCorrupt);
        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != FormatVersion || !header.Slice(12, 32).SequenceEqual(key))
            return (null, FrameCacheOutcome.RebuiltStale);
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[44..]);
        var bins = BinaryPrimitives.ReadInt32LittleEndian(header[48..]);
        var height = BinaryPrimitives.ReadInt32LittleEndian(header[52..]);
        var width = BinaryPrimitives.ReadInt32LittleEndian(header[56..]);
        if (count < 0 || bins != options.Bins || height != options.FrameHeight || width != options.FrameWidth)
            return (null, FrameCacheOutcome.RebuiltCorrupt);
        var values = bins * FrameTensor.Channels * height * width;
        var samples = new List<FramedSample>(count);
        Span<byte> word = stackalloc byte[4];
        for (var i = 0; i < count; i++)
        {
            if (stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
                return (null, FrameCacheOutcome.RebuiltCorrupt);
            var length = BinaryPrimitives.ReadInt32LittleEndian(word);
            if (length <= 0 || length > stream.Length - stream.Position - 8)
                return (null, FrameCacheOutcome.RebuiltCorrupt);
            var record = new byte[length + 8];
            stream.ReadExactly(record);
            var span = record.AsSpan(0, length);
            if (XxHash64.HashToUInt64(span) != BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(length)))
                return (null, FrameCacheOutcome.RebuiltCorrupt);
            var sample = ParseSample(span, bins, height, width, values);
            if (sample is null)
                return (null, FrameCacheOutcome.RebuiltCorrupt);
            samples.Add(sample);
        }
        return stream.Position == stream.Length ? (samples, FrameCacheOutcome.Hit) : (null, FrameCacheOutcome.RebuiltCorrupt);
    }

    private static FramedSample? ParseSample(ReadOnlySpan<byte> span, int bins, int height, int width, int values)
    {
        var pos = 0;
        var classIndex = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]); pos += 4;
        var user = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]); pos += 4;
        var start = BinaryPrimitives.ReadInt64LittleEndian(span[pos..]); pos += 8;
        var end = BinaryPrimitives.ReadInt64LittleEndian(span[pos..]); pos += 8;
        var events = BinaryPrimitives.ReadInt64LittleEndian(span[pos..]); pos += 8;
        if (!TryReadText(span, ref pos, out var recording) || !TryReadText(span, ref pos, out var lighting) || pos >= span.Length)
            return null;
        var compact = span[pos++] == 0;
        if ((uint)classIndex >= DvsGestureClasses.Count || span.Length - pos != values * (compact ? 2 : 4))
            return null;
        var data = new float[values];
        for (var i = 0; i < values; i++)
        {
            data[i] = compact
                ? BinaryPrimitives.ReadUInt16LittleEndian(span[(pos + (2 * i))..])
                : BinaryPrimitives.ReadSingleLittleEndian(span[(pos + (4 * i))..]);
        }
        return new FramedSample(new FrameTensor(bins, height, width, data), classIndex, recording, user, lighting, start, end, events);
    }

    private static bool TryReadText(ReadOnlySpan<byte> span, ref int pos, out string text)
    {
        text = string.Empty;
        if (span.Length - pos < 2)
            return false;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]);
        pos += 2;
        if (span.Length - pos < length)
            return false;
        text = Encoding.UTF8.GetString(span.Slice(pos, length));
        pos += length;
        return true;
    }
}
