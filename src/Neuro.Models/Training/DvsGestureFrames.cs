using Neuro.Data.Caching;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;

namespace Neuro.Models.Training;

/// <summary>
/// DVS128 Gesture (real or synthetic, Neuro.Data's layout) as <see cref="IFramedDataset"/>: the official
/// trials_to_train/trials_to_test split, events split into T bins by event number (SpikingJelly's
/// <c>split_by='number'</c>, as Spikformer trains), downsampled and counted or binarised as the model's config says,
/// and cached on disk by Neuro.Data's <see cref="FrameCache"/>.
/// </summary>
public sealed class DvsGestureFrames : IFramedDataset
{
    private readonly DvsGestureDataset _dataset;
    private readonly FrameCache _cache;
    private readonly CancellationToken _cancellationToken;

    private DvsGestureFrames(DvsGestureDataset dataset, FrameCache cache, CancellationToken cancellationToken)
    {
        _dataset = dataset;
        _cache = cache;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Opens the dataset at <paramref name="root"/>; frames are cached in <paramref name="cacheDirectory"/> (default <c>root/.frame-cache</c>).</summary>
    /// <exception cref="Core.Errors.NeuroException">The folder is not a DVS128 Gesture dataset.</exception>
    public static DvsGestureFrames Open(string root, string? cacheDirectory = null, CancellationToken cancellationToken = default) =>
        new(DvsGestureDataset.Open(root), new FrameCache(cacheDirectory ?? Path.Combine(root, ".frame-cache")), cancellationToken);

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => DvsGestureClasses.Names;

    /// <inheritdoc/>
    public IFramedSamples Open(DataSplit split, ModelFraming framing)
    {
        var options = new FramingOptions(framing.TimeSteps, FrameSplit.Number, framing.Downsample,
            framing.Binary ? FrameValue.Binary : FrameValue.Counts, framing.SensorWidth, framing.SensorHeight);
        var framed = _cache.GetOrBuild(_dataset, split == DataSplit.Train ? DvsGestureSplit.Train : DvsGestureSplit.Test, options,
            _cancellationToken);
        return new Samples(framed.Samples);
    }

    private sealed class Samples(IReadOnlyList<FramedSample> samples) : IFramedSamples
    {
        public int Count => samples.Count;

        public FrameShape Shape { get; } = samples.Count == 0
            ? new FrameShape(0, 0, 0, 0)
            : new FrameShape(samples[0].Frames.Bins, FrameTensor.Channels, samples[0].Frames.Height, samples[0].Frames.Width);

        public int Label(int index) => samples[index].ClassIndex;

        public void CopyFrames(int index, Span<float> destination) => samples[index].Frames.Data.CopyTo(destination);
    }
}
