using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Neuro.Benchmarks;

/// <summary>One job for every benchmark: short runs sized for a 2-core machine, memory diagnoser, JSON export.</summary>
internal sealed class RecommendedConfig : ManualConfig
{
    public RecommendedConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(JsonExporter.Full);
        Add(DefaultConfig.Instance);
        WithOptions(ConfigOptions.JoinSummary);
    }
}
