namespace Neuro.Data.Formats;

/// <summary>
/// A forward-only window over a stream: callers ask for the next <c>n</c> bytes as a span, parse them in
/// place and advance. The window grows only when a single request is larger than it, so a file of any
/// size is read with one buffer.
/// </summary>
internal sealed class BufferedInput : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _endOfStream;

    public BufferedInput(Stream stream, int bufferSize, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[bufferSize];
        Offset = stream.CanSeek ? stream.Position : 0;
        Length = stream.CanSeek ? stream.Length : null;
    }

    /// <summary>File offset of the next unconsumed byte.</summary>
    public long Offset { get; private set; }

    /// <summary>Total length of the stream when it is known.</summary>
    public long? Length { get; }

    /// <summary>Bytes left in the stream when its length is known.</summary>
    public long? Remaining => Length - Offset;

    /// <summary>Bytes available in the window without reading.</summary>
    public int Buffered => _end - _start;

    /// <summary>The buffered bytes, starting at <see cref="Offset"/>.</summary>
    public ReadOnlySpan<byte> Window => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Makes at least <paramref name="count"/> bytes available; false when the stream ends first.</summary>
    public bool TryEnsure(int count)
    {
        if (_end - _start >= count)
            return true;
        if (count > _buffer.Length)
        {
            var larger = new byte[Math.Max(count, 2 * _buffer.Length)];
            Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = larger;
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count && !_endOfStream)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
                _endOfStream = true;
            _end += read;
        }
        return _end - _start >= count;
    }

    /// <summary>True when no byte is left.</summary>
    public bool AtEnd => !TryEnsure(1);

    /// <summary>The next <paramref name="count"/> bytes; call <see cref="TryEnsure"/> first.</summary>
    public ReadOnlySpan<byte> Peek(int count) => _buffer.AsSpan(_start, count);

    /// <summary>Consumes <paramref name="count"/> buffered bytes.</summary>
    public void Advance(int count)
    {
        _start += count;
        Offset += count;
    }

    /// <summary>Consumes <paramref name="count"/> bytes, seeking past them when the stream allows; false when it ends first.</summary>
    public bool TrySkip(long count)
    {
        var buffered = Math.Min(count, _end - _start);
        Advance((int)buffered);
        count -= buffered;
        if (count == 0)
            return true;
        if (_stream.CanSeek)
        {
            if (Offset + count > _stream.Length)
                return false;
            _stream.Seek(count, SeekOrigin.Current);
            Offset += count;
            return true;
        }
        while (count > 0)
        {
            if (!TryEnsure(1))
                return false;
            var step = (int)Math.Min(count, _end - _start);
            Advance(step);
            count -= step;
        }
        return true;
    }

    /// <summary>
    /// Reads one text line ending in LF (a preceding CR is dropped); null at the end of the stream or when no
    /// LF comes within <paramref name="maxLength"/> bytes.
    /// </summary>
    public string? TryReadLine(int maxLength)
    {
        var scanned = 0;
        while (true)
        {
            var window = Window;
            var newline = window[scanned..].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                var text = window[..length];
                if (text.Length > 0 && text[^1] == (byte)'\r')
                    text = text[..^1];
                var line = System.Text.Encoding.Latin1.GetString(text);
                Advance(length + 1);
                return line;
            }
            scanned = window.Length;
            if (scanned >= maxLength || !TryEnsure(scanned + 1))
                return null;
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
            _stream.Dispose();
    }
}
