using BenchmarkDotNet.Attributes;
using Neuro.Data.Events;
using Neuro.Data.Framing;

namespace Neuro.Benchmarks.Data;

/// <summary>
/// Framing throughput: one sample of a million events into T = 16 bins, for both split modes, at full
/// resolution and downsampled to 32 × 32. Each operation is one event. The destination tensor is reused, so
/// the benchmark measures binning and accumulation, not allocation.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class Perf_Data_Framing
{
    private const int Events = 1_000_000;
    private readonly EventBuffer _events = new(Events);
    private FramingOptions _options = new(16);
    private FrameTensor _frames = new(1, 1, 1);

    [Params(FrameSplit.Number, FrameSplit.Time)]
    public FrameSplit Split { get; set; }

    [Params(1, 4)]
    public int Downsample { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        long t = 0;
        for (var i = 0; i < Events; i++)
        {
            t += random.Next(0, 6);
            _events.Add(t, random.Next(128), random.Next(128), random.Next(2) == 1);
        }
        _options = new FramingOptions(16, Split, Downsample);
        _frames = new FrameTensor(_options.Bins, _options.FrameHeight, _options.FrameWidth);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public float Frame()
    {
        EventFramer.Frame(_events, _options, _frames);
        return _frames.Data[0];
    }
}
