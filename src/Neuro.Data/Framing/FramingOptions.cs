using System.Globalization;

namespace Neuro.Data.Framing;

/// <summary>How events are split into the <see cref="FramingOptions.Bins"/> time bins of a frame tensor.</summary>
public enum FrameSplit
{
    /// <summary>SpikingJelly's <c>split_by='number'</c>: every bin gets N / T events, the last one the remainder.</summary>
    Number,

    /// <summary>SpikingJelly's <c>split_by='time'</c>: every bin spans (t_last − t_first) / T microseconds.</summary>
    Time,
}

/// <summary>What a frame pixel holds.</summary>
public enum FrameValue
{
    /// <summary>The number of events of that polarity at that pixel (summed over the downsampling block) in the bin.</summary>
    Counts,

    /// <summary>1 where the count is positive, 0 elsewhere.</summary>
    Binary,
}

/// <summary>
/// How a sample's events become a [T, 2, H, W] frame tensor. Training, the compiler's input encoding and the
/// board stream all frame through this one record, so it is small, immutable and validated on every
/// construction and <c>with</c> expression.
/// </summary>
public sealed record FramingOptions
{
    /// <summary>The most time bins a tensor may have.</summary>
    public const int MaxBins = 1024;

    /// <summary>Frames of DVS128 Gesture's sensor: <paramref name="bins"/> bins, full 128 × 128 resolution, counts.</summary>
    public FramingOptions(int bins, FrameSplit split = FrameSplit.Number, int downsample = 1, FrameValue value = FrameValue.Counts,
        int sensorWidth = 128, int sensorHeight = 128)
    {
        Bins = bins;
        Split = split;
        Downsample = downsample;
        Value = value;
        SensorWidth = sensorWidth;
        SensorHeight = sensorHeight;
    }

    /// <summary>T, the number of time bins (1–1024).</summary>
    public int Bins
    {
        get;
        init => field = value is >= 1 and <= MaxBins ? value : throw new DataOptionsException($"framing: T must be 1–{MaxBins}, got {value}");
    }

    /// <summary>How events are assigned to bins.</summary>
    public FrameSplit Split
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new DataOptionsException($"framing: unknown split mode {value}");
    }

    /// <summary>
    /// Integer spatial downsampling factor: pixel (x, y) lands in (x / f, y / f), so counts are summed over
    /// f × f blocks. 1 keeps full resolution; 4 turns 128 × 128 into 32 × 32.
    /// </summary>
    public int Downsample
    {
        get;
        init => field = value is >= 1 and <= 256 ? value : throw new DataOptionsException($"framing: downsample factor must be 1–256, got {value}");
    }

    /// <summary>Counts or binary pixels.</summary>
    public FrameValue Value
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new DataOptionsException($"framing: unknown frame value {value}");
    }

    /// <summary>Width of the sensor in pixels (128 for DVS128).</summary>
    public int SensorWidth
    {
        get;
        init => field = value is >= 1 and <= 4096 ? value : throw new DataOptionsException($"framing: sensor width must be 1–4096, got {value}");
    }

    /// <summary>Height of the sensor in pixels (128 for DVS128).</summary>
    public int SensorHeight
    {
        get;
        init => field = value is >= 1 and <= 4096 ? value : throw new DataOptionsException($"framing: sensor height must be 1–4096, got {value}");
    }

    /// <summary>Width of a frame: the sensor width divided by <see cref="Downsample"/>, rounded up.</summary>
    public int FrameWidth => (SensorWidth + Downsample - 1) / Downsample;

    /// <summary>Height of a frame: the sensor height divided by <see cref="Downsample"/>, rounded up.</summary>
    public int FrameHeight => (SensorHeight + Downsample - 1) / Downsample;

    /// <summary>A short stable text naming every option, used in cache file names, e.g. <c>t16-number-ds4-counts-128x128</c>.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"t{Bins}-{Split.ToString().ToLowerInvariant()}-ds{Downsample}-{Value.ToString().ToLowerInvariant()}-{SensorWidth}x{SensorHeight}");
}
