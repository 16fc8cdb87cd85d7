using Neuro.Data.Framing;
using Neuro.Data.Gestures;

namespace Neuro.Data.Baselines;

/// <summary>Test accuracy of a baseline and where its predictions went.</summary>
/// <param name="Accuracy">Fraction of test samples classified correctly.</param>
/// <param name="Samples">Number of test samples.</param>
/// <param name="Confusion">Confusion[true, predicted] counts, 11 × 11.</param>
public sealed record BaselineResult(double Accuracy, int Samples, int[,] Confusion);

/// <summary>
/// The simplest honest classifier of framed samples: every sample becomes a feature vector (its frames,
/// each value compressed with log(1 + v), scaled to unit length), each class is represented by the mean of its
/// training vectors, and a sample is given the class whose mean is nearest in cosine similarity. It tells how
/// much of a data set can be learned without learning anything: a synthetic set it solves perfectly is too
/// easy to compare models on.
/// </summary>
public sealed class NearestCentroidBaseline
{
    private readonly float[][] _centroids;
    private readonly int _length;

    private NearestCentroidBaseline(float[][] centroids, int length)
    {
        _centroids = centroids;
        _length = length;
    }

    /// <summary>Computes the class centroids of <paramref name="training"/>.</summary>
    /// <exception cref="DataOptionsException">There are no training samples, or they differ in shape.</exception>
    public static NearestCentroidBaseline Fit(IEnumerable<FramedSample> training)
    {
        ArgumentNullException.ThrowIfNull(training);
        float[][]? sums = null;
        var counts = new int[DvsGestureClasses.Count];
        var length = 0;
        foreach (var sample in training)
        {
            if (sums is null)
            {
                length = sample.Frames.Data.Length;
                sums = Enumerable.Range(0, DvsGestureClasses.Count).Select(_ => new float[length]).ToArray();
            }
            var features = Features(sample.Frames, length);
            var sum = sums[sample.ClassIndex];
            for (var i = 0; i < length; i++)
                sum[i] += features[i];
            counts[sample.ClassIndex]++;
        }
        if (sums is null)
            throw new DataOptionsException("nearest-centroid baseline: no training samples");
        for (var c = 0; c < sums.Length; c++)
        {
            if (counts[c] > 0)
                Normalize(sums[c]);
        }
        return new NearestCentroidBaseline(sums, length);
    }

    /// <summary>The class index (0–10) whose centroid is nearest to <paramref name="frames"/>.</summary>
    public int Predict(FrameTensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var features = Features(frames, _length);
        var best = 0;
        var bestScore = float.NegativeInfinity;
        for (var c = 0; c < _centroids.Length; c++)
        {
            var score = Dot(features, _centroids[c]);
            if (score > bestScore)
            {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    /// <summary>Accuracy and confusion matrix on <paramref name="test"/>.</summary>
    public BaselineResult Evaluate(IEnumerable<FramedSample> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var confusion = new int[DvsGestureClasses.Count, DvsGestureClasses.Count];
        int correct = 0, total = 0;
        foreach (var sample in test)
        {
            var predicted = Predict(sample.Frames);
            confusion[sample.ClassIndex, predicted]++;
            correct += predicted == sample.ClassIndex ? 1 : 0;
            total++;
        }
        return new BaselineResult(total > 0 ? correct / (double)total : 0, total, confusion);
    }

    private static float[] Features(FrameTensor frames, int length)
    {
        if (frames.Data.Length != length)
            throw new DataOptionsException($"nearest-centroid baseline: a sample has {frames.Data.Length} values, the training samples {length}");
        var features = new float[length];
        for (var i = 0; i < length; i++)
            features[i] = MathF.Log(1 + frames.Data[i]);
        Normalize(features);
        return features;
    }

    private static void Normalize(float[] v)
    {
        var norm = MathF.Sqrt(Dot(v, v));
        if (norm == 0)
            return;
        for (var i = 0; i < v.Length; i++)
            v[i] /= norm;
    }

    private static float Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return (float)sum;
    }
}
