using Neuro.Core.Architecture;

namespace Neuro.Models.Training;

/// <summary>How a model wants its frames: derived from its config, so training and evaluation always frame alike.</summary>
/// <param name="TimeSteps">Frames per sample T (the sample's events split into T bins).</param>
/// <param name="Downsample">Integer factor the sensor is pooled by (the model receives H/d × W/d frames).</param>
/// <param name="Binary">True: a pixel is 1 when it saw any event in the bin; false: event counts.</param>
/// <param name="SensorHeight">Sensor height before downsampling.</param>
/// <param name="SensorWidth">Sensor width before downsampling.</param>
public sealed record ModelFraming(int TimeSteps, int Downsample, bool Binary, int SensorHeight, int SensorWidth)
{
    /// <summary>T = <see cref="ArchitectureConfig.TimeSteps"/>, d = <see cref="InputSpec.Downsample"/>, binary for <see cref="InputEncoding.EventBinary"/>.</summary>
    public static ModelFraming For(ArchitectureConfig config) =>
        new(config.TimeSteps, config.Input.Downsample, config.Input.Encoding == InputEncoding.EventBinary, config.Input.Height,
            config.Input.Width);
}

/// <summary>The shape of one framed sample, <c>[T, C, H, W]</c>.</summary>
public sealed record FrameShape(int TimeSteps, int Channels, int Height, int Width)
{
    /// <summary>Values per sample.</summary>
    public int Elements => TimeSteps * Channels * Height * Width;
}

/// <summary>
/// Framed, labelled samples: what training and evaluation read. A thin seam so the models do not depend on how
/// events are stored, sliced or cached (Neuro.Data implements it for DVS128 Gesture; tests use in-memory tensors).
/// </summary>
public interface IFramedSamples
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>The shape every sample has.</summary>
    FrameShape Shape { get; }

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    int Label(int index);

    /// <summary>Writes sample <paramref name="index"/>, laid out <c>[T, C, H, W]</c>, into <paramref name="destination"/> (<see cref="FrameShape.Elements"/> long).</summary>
    void CopyFrames(int index, Span<float> destination);
}

/// <summary>Which part of a dataset to read.</summary>
public enum DataSplit
{
    Train,
    Test,
}

/// <summary>A labelled dataset that can frame its samples the way a model asks.</summary>
public interface IFramedDataset
{
    /// <summary>Class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>The samples of <paramref name="split"/> framed as <paramref name="framing"/> says.</summary>
    IFramedSamples Open(DataSplit split, ModelFraming framing);
}

/// <summary>Samples held in memory: one <c>[T, C, H, W]</c> array per sample.</summary>
public sealed class InMemorySamples : IFramedSamples
{
    private readonly IReadOnlyList<float[]> _frames;
    private readonly IReadOnlyList<int> _labels;

    /// <exception cref="ArgumentException">The counts differ or a sample has the wrong length.</exception>
    public InMemorySamples(FrameShape shape, IReadOnlyList<float[]> frames, IReadOnlyList<int> labels)
    {
        if (frames.Count != labels.Count)
            throw new ArgumentException($"{frames.Count} samples but {labels.Count} labels");
        if (frames.FirstOrDefault(sample => sample.Length != shape.Elements) is { } wrong)
            throw new ArgumentException($"a sample has {wrong.Length} values, expected {shape.Elements} for {shape}");
        Shape = shape;
        _frames = frames;
        _labels = labels;
    }

    /// <inheritdoc/>
    public int Count => _frames.Count;

    /// <inheritdoc/>
    public FrameShape Shape { get; }

    /// <inheritdoc/>
    public int Label(int index) => _labels[index];

    /// <inheritdoc/>
    public void CopyFrames(int index, Span<float> destination) => _frames[index].CopyTo(destination);
}
