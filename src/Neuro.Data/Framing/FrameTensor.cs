namespace Neuro.Data.Framing;

/// <summary>
/// Frames of one sample, laid out row-major as [T, 2, H, W] in one float array that a tensor library can wrap
/// without copying. Channel 0 holds OFF events and channel 1 ON events (SpikingJelly's order).
/// </summary>
public sealed class FrameTensor
{
    /// <summary>Number of polarity channels.</summary>
    public const int Channels = 2;

    /// <summary>Channel of OFF events.</summary>
    public const int OffChannel = 0;

    /// <summary>Channel of ON events.</summary>
    public const int OnChannel = 1;

    /// <summary>A zeroed tensor of the given shape.</summary>
    public FrameTensor(int bins, int height, int width)
        : this(bins, height, width, new float[checked(bins * Channels * height * width)])
    {
    }

    /// <summary>A tensor over existing data, which must hold exactly bins × 2 × height × width values.</summary>
    public FrameTensor(int bins, int height, int width, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != checked(bins * Channels * height * width))
            throw new ArgumentException($"a [{bins}, {Channels}, {height}, {width}] tensor needs {bins * Channels * height * width} values, got {data.Length}", nameof(data));
        Bins = bins;
        Height = height;
        Width = width;
        Data = data;
    }

    /// <summary>T, the number of time bins.</summary>
    public int Bins { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>The values, [T, 2, H, W] row-major.</summary>
    public float[] Data { get; }

    /// <summary>The shape [T, 2, H, W].</summary>
    public int[] Shape => [Bins, Channels, Height, Width];

    /// <summary>The value at bin <paramref name="t"/>, channel <paramref name="channel"/>, row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int t, int channel, int y, int x]
    {
        get => Data[Index(t, channel, y, x)];
        set => Data[Index(t, channel, y, x)] = value;
    }

    /// <summary>One channel of one bin, H × W row-major.</summary>
    public Span<float> Plane(int t, int channel) => Data.AsSpan(Index(t, channel, 0, 0), Height * Width);

    /// <summary>Sum of all values.</summary>
    public double Sum()
    {
        double sum = 0;
        foreach (var v in Data)
            sum += v;
        return sum;
    }

    private int Index(int t, int channel, int y, int x)
    {
        if ((uint)t >= (uint)Bins || (uint)channel >= Channels || (uint)y >= (uint)Height || (uint)x >= (uint)Width)
            throw new ArgumentOutOfRangeException(nameof(t), $"({t}, {channel}, {y}, {x}) lies outside [{Bins}, {Channels}, {Height}, {Width}]");
        return (((((t * Channels) + channel) * Height) + y) * Width) + x;
    }
}
