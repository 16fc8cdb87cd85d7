using Neuro.Data.Caching;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;

namespace Neuro.Data.Tests;

public sealed class FrameCacheTests : IClassFixture<SyntheticDataFixture>, IDisposable
{
    private readonly SyntheticDataFixture _data;
    private readonly TempDirectory _cacheDir = new();
    private readonly FramingOptions _options = new(8, FrameSplit.Number, downsample: 4);

    public FrameCacheTests(SyntheticDataFixture data) => _data = data;

    public void Dispose() => _cacheDir.Dispose();

    [Fact]
    public void The_first_call_builds_the_file_and_the_second_reads_the_same_samples_from_it()
    {
        var cache = new FrameCache(_cacheDir.Path);
        var dataset = DvsGestureDataset.Open(_data.Root);

        var built = cache.GetOrBuild(dataset, DvsGestureSplit.Train, _options);
        var hit = cache.GetOrBuild(dataset, DvsGestureSplit.Train, _options);

        Assert.Equal(FrameCacheOutcome.Built, built.Outcome);
        Assert.Equal(FrameCacheOutcome.Hit, hit.Outcome);
        Assert.Equal(22, hit.Samples.Count);
        for (var i = 0; i < built.Samples.Count; i++)
        {
            Assert.Equal(built.Samples[i].Frames.Data, hit.Samples[i].Frames.Data);
            Assert.Equal(built.Samples[i] with { Frames = hit.Samples[i].Frames }, hit.Samples[i]);
        }
        Assert.Equal(dataset.EnumerateFramed(DvsGestureSplit.Train, _options).Select(s => s.Frames.Data), hit.Samples.Select(s => s.Frames.Data));
    }

    [Fact]
    public void Other_framing_options_use_another_file()
    {
        var cache = new FrameCache(_cacheDir.Path);

        Assert.NotEqual(cache.PathFor(DvsGestureSplit.Test, _options), cache.PathFor(DvsGestureSplit.Test, _options with { Bins = 16 }));
        Assert.NotEqual(cache.PathFor(DvsGestureSplit.Test, _options), cache.PathFor(DvsGestureSplit.Train, _options));
    }

    [Fact]
    public void A_changed_source_file_makes_the_cache_stale_and_it_is_rebuilt()
    {
        using var copy = CopyDataset();
        var cache = new FrameCache(_cacheDir.Path);
        cache.GetOrBuild(DvsGestureDataset.Open(copy.Path), DvsGestureSplit.Test, _options);
        File.SetLastWriteTimeUtc(copy.File("user24_fluorescent.aedat"), DateTime.UtcNow.AddMinutes(5));

        var again = cache.GetOrBuild(DvsGestureDataset.Open(copy.Path), DvsGestureSplit.Test, _options);

        Assert.Equal(FrameCacheOutcome.RebuiltStale, again.Outcome);
        Assert.Equal(FrameCacheOutcome.Hit, cache.GetOrBuild(DvsGestureDataset.Open(copy.Path), DvsGestureSplit.Test, _options).Outcome);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("magic")]
    public void A_damaged_cache_file_is_detected_and_rebuilt(string damage)
    {
        var cache = new FrameCache(_cacheDir.Path);
        var dataset = DvsGestureDataset.Open(_data.Root);
        var built = cache.GetOrBuild(dataset, DvsGestureSplit.Test, _options);
        var bytes = File.ReadAllBytes(built.CachePath);
        bytes = damage switch
        {
            "flip" => Flip(bytes, bytes.Length / 2),
            "truncate" => bytes[..(bytes.Length - 100)],
            _ => Flip(bytes, 0),
        };
        File.WriteAllBytes(built.CachePath, bytes);

        var rebuilt = cache.GetOrBuild(dataset, DvsGestureSplit.Test, _options);

        Assert.Equal(FrameCacheOutcome.RebuiltCorrupt, rebuilt.Outcome);
        Assert.Equal(built.Samples.Select(s => s.Frames.Data), rebuilt.Samples.Select(s => s.Frames.Data));
    }

    [Fact]
    public void An_unwritable_cache_folder_fails_naming_it_and_the_cache_option()
    {
        // A file where the cache folder should be: unwritable even for root, unlike a chmod.
        string blocked = System.IO.Path.Combine(_cacheDir.Path, "blocked");
        File.WriteAllText(blocked, "");
        var cache = new FrameCache(System.IO.Path.Combine(blocked, "cache"));

        var error = Assert.Throws<DatasetException>(() => cache.GetOrBuild(DvsGestureDataset.Open(_data.Root), DvsGestureSplit.Test, _options));

        Assert.Contains(blocked, error.Message);
        Assert.Contains("--cache", error.Message);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        bytes[at] ^= 0x5A;
        return bytes;
    }

    private TempDirectory CopyDataset()
    {
        var copy = new TempDirectory();
        foreach (var file in Directory.GetFiles(_data.Root))
            File.Copy(file, copy.File(Path.GetFileName(file)));
        return copy;
    }
}
