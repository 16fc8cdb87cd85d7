using Neuro.Models.Training;

namespace Neuro.Search.Evaluation;

/// <summary>
/// <paramref name="count"/> samples of <paramref name="samples"/> at evenly spaced indices (0, n/k, 2n/k, …), so a few
/// samples still cover the dataset's order (classes and users) rather than its first trials.
/// </summary>
public sealed class SampleSubset(IFramedSamples samples, int count) : IFramedSamples
{
    private readonly int[] _indices = Enumerable.Range(0, Math.Min(count, samples.Count))
        .Select(i => (int)((long)i * samples.Count / Math.Min(count, samples.Count))).ToArray();

    public int Count => _indices.Length;

    public FrameShape Shape => samples.Shape;

    public int Label(int index) => samples.Label(_indices[index]);

    public void CopyFrames(int index, Span<float> destination) => samples.CopyFrames(_indices[index], destination);
}
