using Neuro.Data.Gestures;

namespace Neuro.Data.Framing;

/// <summary>A framed gesture sample, ready for training: its tensor, its class and where it came from.</summary>
/// <param name="Frames">The [T, 2, H, W] frames.</param>
/// <param name="ClassIndex">Class index 0–10.</param>
/// <param name="Recording">File name of the recording, e.g. <c>user01_fluorescent.aedat</c>.</param>
/// <param name="User">User number.</param>
/// <param name="Lighting">Lighting condition.</param>
/// <param name="StartUs">Start of the labelled interval in microseconds.</param>
/// <param name="EndUs">End of the labelled interval in microseconds (exclusive).</param>
/// <param name="EventCount">Number of events in the interval.</param>
public sealed record FramedSample(FrameTensor Frames, int ClassIndex, string Recording, int User, string Lighting, long StartUs, long EndUs, long EventCount)
{
    /// <summary>Frames <paramref name="sample"/> with <paramref name="options"/>.</summary>
    public static FramedSample From(GestureSample sample, FramingOptions options)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new FramedSample(EventFramer.Frame(sample.Events, options), sample.ClassIndex, sample.Recording.Name,
            sample.Recording.User, sample.Recording.Lighting, sample.Label.StartUs, sample.Label.EndUs, sample.Events.Count);
    }
}
