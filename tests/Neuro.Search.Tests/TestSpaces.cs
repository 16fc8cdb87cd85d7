using Neuro.Core.Architecture;
using Neuro.Core.SearchSpaces;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;

namespace Neuro.Search.Tests;

internal static class TestSpaces
{
    public static SearchSpace Default => SearchSpaceCatalog.Get(SearchSpaceCatalog.DefaultName);
}

/// <summary>
/// A deterministic evaluator without TorchSharp: score grows with width, depth and T, energy with FLOPs, so the
/// accuracy–energy trade-off is real and search behaviour can be tested in milliseconds.
/// </summary>
internal sealed class AnalyticEvaluator : ICandidateEvaluator
{
    public int Calls { get; private set; }

    public string Method => "analytic";

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls++;
        var table = LayerTable.From(config);
        double neurons = config.Blocks.Average(block => 1 / block.Lif.Threshold + 1 / block.Lif.Tau);
        double score = 1 - 1 / (1 + Math.Log(1 + config.EmbedDim * config.Depth * config.TimeSteps / (double)config.Input.Downsample) * neurons / 4);
        return new CandidateEvaluation(score, table.MacsPerSample, table.MacsPerSample * 0.9 * neurons, EnergyMode.PaperMeasured,
            table.TotalParameters, 0);
    }
}

/// <summary>A footprint estimator with fixed per-parameter costs, standing in for the compiler's memory plan.</summary>
internal sealed class FakeFootprintEstimator(long flashPerParameter, long sramPerEmbed, long cyclesPerFlop = 0) : IFootprintEstimator
{
    public string Name => "fake";

    public Footprint Estimate(ArchitectureConfig config)
    {
        var table = LayerTable.From(config);
        return new Footprint(table.TotalParameters * flashPerParameter, config.EmbedDim * sramPerEmbed,
            cyclesPerFlop > 0 ? table.MacsPerSample * cyclesPerFlop : null);
    }
}
