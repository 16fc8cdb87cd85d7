using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Neuro.Benchmarks;

/// <summary>
/// What every benchmark shares: memory diagnoser, JSON export, one joined summary. It holds no job: each class names its
/// own (<see cref="ShortRunConfig"/>, or an in-process job where a class needs TorchSharp's native libraries, which
/// BenchmarkDotNet's generated out-of-process project does not get). A job here would be added to theirs and run them a
/// second time out of process, where TorchSharp fails to load and the summary fills with NA rows.
/// </summary>
internal sealed class RecommendedConfig : ManualConfig
{
    public RecommendedConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(JsonExporter.Full);
        Add(DefaultConfig.Instance);
        WithOptions(ConfigOptions.JoinSummary);
    }
}

/// <summary>Short runs sized for a 2-core machine, out of process: the job of every benchmark that needs no TorchSharp.</summary>
internal sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig() => AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
}
