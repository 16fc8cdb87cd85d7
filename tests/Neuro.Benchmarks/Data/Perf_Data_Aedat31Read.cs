using BenchmarkDotNet.Attributes;
using Neuro.Data.Events;
using Neuro.Data.Formats;

namespace Neuro.Benchmarks.Data;

/// <summary>
/// AEDAT 3.1 read throughput: parsing polarity packets into the struct-of-arrays <see cref="EventBuffer"/>.
/// Each operation is one event (<c>OperationsPerInvoke</c>), so the reported mean is the time per event and
/// 1 / mean the events per second. The file is written once in setup; the OS page cache serves the reads.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class Perf_Data_Aedat31Read
{
    private const int Events = 4_000_000;
    private string _path = string.Empty;
    private byte[] _bytes = [];
    private readonly EventBuffer _buffer = new(1 << 16);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var events = new EventBuffer(Events);
        long t = 0;
        for (var i = 0; i < Events; i++)
        {
            t += random.Next(0, 4);
            events.Add(t, random.Next(128), random.Next(128), random.Next(2) == 1);
        }
        _path = Path.Combine(Path.GetTempPath(), $"neuro-bench-{Environment.ProcessId}.aedat");
        using (var writer = new Aedat31Writer(File.Create(_path)))
            writer.Write(events);
        _bytes = File.ReadAllBytes(_path);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long FromMemory()
    {
        using var reader = new Aedat31Reader(new MemoryStream(_bytes, writable: false), "memory");
        return Drain(reader);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long FromFile()
    {
        using var reader = EventFile.Open(_path);
        return Drain(reader);
    }

    private long Drain(EventReader reader)
    {
        long sum = 0;
        _buffer.Clear();
        while (reader.Read(_buffer, _buffer.Capacity) > 0)
        {
            sum += _buffer.Timestamps[^1];
            _buffer.Clear();
        }
        return sum;
    }
}
