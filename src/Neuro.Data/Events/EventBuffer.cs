namespace Neuro.Data.Events;

/// <summary>
/// A growable struct-of-arrays buffer of polarity events: one array per field, so readers fill it without
/// a per-event allocation and framing walks each field as a contiguous span. Events are kept in the order
/// they were appended; every reader of this library appends them in non-decreasing timestamp order.
/// </summary>
public sealed class EventBuffer
{
    private int[] _x;
    private int[] _y;
    private byte[] _polarity;
    private long[] _timestamps;

    /// <summary>Creates an empty buffer with room for <paramref name="capacity"/> events.</summary>
    public EventBuffer(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _x = new int[capacity];
        _y = new int[capacity];
        _polarity = new byte[capacity];
        _timestamps = new long[capacity];
    }

    /// <summary>Number of events held.</summary>
    public int Count { get; private set; }

    /// <summary>Number of events the buffer can hold before it grows.</summary>
    public int Capacity => _x.Length;

    /// <summary>Columns of the held events.</summary>
    public Span<int> X => _x.AsSpan(0, Count);

    /// <summary>Rows of the held events.</summary>
    public Span<int> Y => _y.AsSpan(0, Count);

    /// <summary>Polarities of the held events: 1 for ON, 0 for OFF.</summary>
    public Span<byte> Polarity => _polarity.AsSpan(0, Count);

    /// <summary>Timestamps of the held events in microseconds.</summary>
    public Span<long> Timestamps => _timestamps.AsSpan(0, Count);

    /// <summary>The event at <paramref name="index"/>.</summary>
    public DvsEvent this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return new DvsEvent(_timestamps[index], _x[index], _y[index], _polarity[index] != 0);
        }
    }

    /// <summary>Appends one event.</summary>
    public void Add(long timestamp, int x, int y, bool on)
    {
        EnsureCapacity(Count + 1);
        var i = Count++;
        _timestamps[i] = timestamp;
        _x[i] = x;
        _y[i] = y;
        _polarity[i] = on ? (byte)1 : (byte)0;
    }

    /// <summary>Appends one event.</summary>
    public void Add(DvsEvent e) => Add(e.Timestamp, e.X, e.Y, e.On);

    /// <summary>Appends <paramref name="length"/> events of <paramref name="source"/> starting at <paramref name="start"/>.</summary>
    public void AddRange(EventBuffer source, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, source.Count, nameof(length));
        EnsureCapacity(Count + length);
        source._x.AsSpan(start, length).CopyTo(_x.AsSpan(Count));
        source._y.AsSpan(start, length).CopyTo(_y.AsSpan(Count));
        source._polarity.AsSpan(start, length).CopyTo(_polarity.AsSpan(Count));
        source._timestamps.AsSpan(start, length).CopyTo(_timestamps.AsSpan(Count));
        Count += length;
    }

    /// <summary>A new buffer holding a copy of <paramref name="length"/> events starting at <paramref name="start"/>.</summary>
    public EventBuffer Slice(int start, int length)
    {
        var slice = new EventBuffer(length);
        slice.AddRange(this, start, length);
        return slice;
    }

    /// <summary>Removes every event; the capacity is kept for reuse.</summary>
    public void Clear() => Count = 0;

    /// <summary>Grows the arrays so that at least <paramref name="capacity"/> events fit.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= _x.Length)
            return;
        // Doubling keeps appends amortised O(1); the 4096 floor avoids a cascade of tiny growths.
        var size = (int)Math.Min(Array.MaxLength, Math.Max(capacity, Math.Max(4096L, 2L * _x.Length)));
        Array.Resize(ref _x, size);
        Array.Resize(ref _y, size);
        Array.Resize(ref _polarity, size);
        Array.Resize(ref _timestamps, size);
    }

    /// <summary>
    /// Index of the first event whose timestamp is at least <paramref name="timestamp"/> (or <see cref="Count"/>),
    /// searching within [<paramref name="start"/>, <see cref="Count"/>). Requires timestamps in non-decreasing order.
    /// </summary>
    public int LowerBound(long timestamp, int start = 0)
    {
        int lo = start, hi = Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (_timestamps[mid] < timestamp)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>Raw arrays for readers that fill the buffer in place; valid up to <see cref="Count"/> after <see cref="SetCount"/>.</summary>
    internal (int[] X, int[] Y, byte[] Polarity, long[] Timestamps) RawArrays => (_x, _y, _polarity, _timestamps);

    /// <summary>Sets the number of held events after a reader wrote them through <see cref="RawArrays"/>.</summary>
    internal void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _x.Length);
        Count = count;
    }
}
