using BenchmarkDotNet.Attributes;
using Neuro.Core.Architecture;
using Neuro.Core.SearchSpaces;
using Neuro.Models.Training;
using Neuro.Search.Candidates;
using Neuro.Search.Evaluation;

namespace Neuro.Benchmarks.Search;

/// <summary>
/// Time of one training-free (AutoST) evaluation on the default space: FLOPs from the layer table, a randomly
/// initialised model built, 4 samples run forward with firing rates recorded, energy by the seeds' formula. Candidates
/// are 16 fixed draws from the space (each operation is one candidate), or its largest config. Inputs are binary frames
/// with 5 % of pixels active per bin (the density of framed synthetic gestures), framed once per (T, downsample) as the
/// evaluator caches them in a search. In process: BenchmarkDotNet's generated project would not carry TorchSharp's
/// native libraries. Fixed warm-up and iteration counts: the in-process job's defaults would run the largest config
/// (3–5 s per invocation) for more than the five minutes an in-process benchmark may take.
/// </summary>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
public class Perf_Search_TrainingFreeEvaluation
{
    private const int Candidates = 16;
    private ArchitectureConfig[] _configs = [];
    private TrainingFreeEvaluator _evaluator = null!;

    [Params("sampled", "largest")]
    public string Candidate { get; set; } = "sampled";

    [GlobalSetup]
    public void Setup()
    {
        TorchSharp.torch.set_num_threads(1);
        var space = SearchSpaceCatalog.Get(SearchSpaceCatalog.DefaultName);
        var operators = new GeneticOperators(space);
        var random = new Random(4);
        _configs = Candidate == "largest"
            ? Enumerable.Repeat(space.Largest with { Name = "largest" }, Candidates).ToArray()
            : Enumerable.Range(0, Candidates).Select(_ => operators.Sample(random).ToConfig(space)).ToArray();
        _evaluator = new TrainingFreeEvaluator(Frames, seed: 0);
        foreach (var config in _configs)
            _evaluator.Evaluate(config, CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = Candidates)]
    public double Evaluate()
    {
        double sum = 0;
        foreach (var config in _configs)
            sum += _evaluator.Evaluate(config, CancellationToken.None).EnergyPicojoules;
        return sum;
    }

    private static IFramedSamples Frames(ModelFraming framing)
    {
        var shape = new FrameShape(framing.TimeSteps, 2, framing.SensorHeight / framing.Downsample, framing.SensorWidth / framing.Downsample);
        var random = new Random(framing.GetHashCode());
        var frames = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, shape.Elements).Select(_ => random.NextDouble() < 0.05 ? 1f : 0f).ToArray()).ToArray();
        return new InMemorySamples(shape, frames, [0, 1, 2, 3]);
    }
}
