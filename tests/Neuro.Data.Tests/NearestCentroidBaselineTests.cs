using Neuro.Data.Baselines;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;
using Neuro.Data.Synthetic;

namespace Neuro.Data.Tests;

public sealed class NearestCentroidBaselineTests
{
    private static FramedSample Sample(int classIndex, params (int X, int Y)[] pixels)
    {
        var frames = new FrameTensor(1, 4, 4);
        foreach (var (x, y) in pixels)
            frames[0, 1, y, x] += 1;
        return new FramedSample(frames, classIndex, "r", 1, "led", 0, 1, pixels.Length);
    }

    [Fact]
    public void Each_sample_is_given_the_class_of_the_nearest_centroid()
    {
        var baseline = NearestCentroidBaseline.Fit([Sample(0, (0, 0), (1, 0)), Sample(0, (0, 0)), Sample(5, (3, 3)), Sample(5, (3, 2))]);

        Assert.Equal(0, baseline.Predict(Sample(9, (1, 0)).Frames));
        Assert.Equal(5, baseline.Predict(Sample(9, (3, 2), (3, 3)).Frames));
        var result = baseline.Evaluate([Sample(0, (0, 0)), Sample(5, (0, 0))]);
        Assert.Equal(0.5, result.Accuracy);
        Assert.Equal(1, result.Confusion[5, 0]);
    }

    [Fact]
    public void Without_training_samples_there_is_nothing_to_fit()
    {
        Assert.Throws<DataOptionsException>(() => NearestCentroidBaseline.Fit([]));
    }

    [Fact]
    public void The_synthetic_set_is_learnable_but_not_trivial_for_the_baseline()
    {
        using var dir = new TempDirectory();
        new SyntheticGestureGenerator(new SyntheticGestureOptions
        {
            Users = 5,
            TestUsers = 2,
            SampleDuration = TimeSpan.FromSeconds(0.6),
            Transition = TimeSpan.FromMilliseconds(50),
            Seed = 3,
        }).WriteDataset(dir.Path);
        var dataset = DvsGestureDataset.Open(dir.Path);
        var options = new FramingOptions(8, FrameSplit.Number, downsample: 4);

        var baseline = NearestCentroidBaseline.Fit(dataset.EnumerateFramed(DvsGestureSplit.Train, options));
        var result = baseline.Evaluate(dataset.EnumerateFramed(DvsGestureSplit.Test, options));

        Assert.Equal(22, result.Samples);
        Assert.InRange(result.Accuracy, 2.0 / 11, 0.9);
    }
}
