using Neuro.Data.Events;

namespace Neuro.Data.Framing;

/// <summary>
/// Integrates events into frames exactly as SpikingJelly's
/// <c>integrate_events_by_fixed_frames_number</c> does, so that models trained here see the frames the
/// literature's numbers were obtained with. Events must be in non-decreasing time order (every reader of this
/// library guarantees it).
/// </summary>
public static class EventFramer
{
    /// <summary>Frames <paramref name="events"/> into a new tensor.</summary>
    public static FrameTensor Frame(EventBuffer events, FramingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var frames = new FrameTensor(options.Bins, options.FrameHeight, options.FrameWidth);
        Frame(events, options, frames);
        return frames;
    }

    /// <summary>Frames <paramref name="events"/> into <paramref name="destination"/>, which is cleared first.</summary>
    /// <exception cref="DataOptionsException">An event lies outside the sensor named by <paramref name="options"/>, or the tensor has another shape.</exception>
    public static void Frame(EventBuffer events, FramingOptions options, FrameTensor destination)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Bins != options.Bins || destination.Height != options.FrameHeight || destination.Width != options.FrameWidth)
            throw new DataOptionsException($"framing: the tensor is [{string.Join(", ", destination.Shape)}], the options need [{options.Bins}, 2, {options.FrameHeight}, {options.FrameWidth}]");
        Array.Clear(destination.Data);
        var (starts, ends) = BinBoundaries(events.Timestamps, options.Bins, options.Split);
        var xs = events.X;
        var ys = events.Y;
        var ps = events.Polarity;
        var data = destination.Data;
        int f = options.Downsample, w = options.FrameWidth, h = options.FrameHeight, plane = w * h;
        uint sensorW = (uint)options.SensorWidth, sensorH = (uint)options.SensorHeight;
        for (var bin = 0; bin < options.Bins; bin++)
        {
            var binBase = bin * FrameTensor.Channels * plane;
            for (var j = starts[bin]; j < ends[bin]; j++)
            {
                var x = xs[j];
                var y = ys[j];
                if ((uint)x >= sensorW || (uint)y >= sensorH)
                    throw new DataOptionsException($"framing: event {j} at ({x}, {y}) lies outside the {sensorW} × {sensorH} sensor of the framing options");
                // SpikingJelly: channel 0 takes p == 0 (OFF), channel 1 the rest (ON).
                var channel = ps[j] == 0 ? FrameTensor.OffChannel : FrameTensor.OnChannel;
                data[binBase + (channel * plane) + ((y / f) * w) + (x / f)] += 1f;
            }
        }
        if (options.Value == FrameValue.Binary)
        {
            for (var i = 0; i < data.Length; i++)
                data[i] = data[i] > 0 ? 1f : 0f;
        }
    }

    /// <summary>
    /// The event index range [start, end) of every bin, with SpikingJelly's
    /// <c>cal_fixed_frames_number_segment_index</c> arithmetic for N events and T bins:
    /// <list type="bullet">
    /// <item><description><see cref="FrameSplit.Number"/>: di = N / T (integer division); bin i is [i·di, i·di + di), and the last bin ends at N.</description></item>
    /// <item><description><see cref="FrameSplit.Time"/>: dt = (t[N−1] − t[0]) / T (integer division); bin i holds the events with
    /// t[0] + i·dt ≤ t &lt; t[0] + (i+1)·dt, and the last bin ends at N, so it also takes the events at or after t[0] + T·dt.</description></item>
    /// </list>
    /// Where SpikingJelly fails on a time bin with no event (it indexes an empty array), the bin here is simply
    /// empty; every non-empty case gives SpikingJelly's indices.
    /// </summary>
    public static (int[] Starts, int[] Ends) BinBoundaries(ReadOnlySpan<long> timestamps, int bins, FrameSplit split)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        var n = timestamps.Length;
        var starts = new int[bins];
        var ends = new int[bins];
        if (split == FrameSplit.Number)
        {
            var di = n / bins;
            for (var i = 0; i < bins; i++)
            {
                starts[i] = i * di;
                ends[i] = starts[i] + di;
            }
        }
        else if (n > 0)
        {
            var t0 = timestamps[0];
            var dt = (timestamps[n - 1] - t0) / bins;
            for (var i = 0; i < bins; i++)
            {
                var left = t0 + (dt * i);
                starts[i] = LowerBound(timestamps, left);
                ends[i] = LowerBound(timestamps, left + dt);
            }
        }
        ends[bins - 1] = n;
        return (starts, ends);
    }

    private static int LowerBound(ReadOnlySpan<long> timestamps, long value)
    {
        int lo = 0, hi = timestamps.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (timestamps[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
