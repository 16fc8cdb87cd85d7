using Neuro.Data.Synthetic;

namespace Neuro.Data.Tests;

/// <summary>A small synthetic DvsGesture folder shared by the tests of a class (generating it takes about a second).</summary>
public sealed class SyntheticDataFixture : IDisposable
{
    public static SyntheticGestureOptions SmallOptions { get; } = new()
    {
        Users = 3,
        TestUsers = 1,
        SampleDuration = TimeSpan.FromSeconds(0.4),
        Transition = TimeSpan.FromMilliseconds(50),
        Seed = 42,
    };

    private readonly TempDirectory _dir = new();

    public SyntheticDataFixture()
    {
        Summary = new SyntheticGestureGenerator(SmallOptions).WriteDataset(_dir.Path);
    }

    public string Root => _dir.Path;

    public SyntheticDatasetSummary Summary { get; }

    public void Dispose() => _dir.Dispose();
}
