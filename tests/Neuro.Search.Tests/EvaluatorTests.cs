using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Models.Training;
using Neuro.Search.Evaluation;

namespace Neuro.Search.Tests;

[Collection("Torch")]
public class EvaluatorTests
{
    private static ArchitectureConfig Tiny(double threshold) =>
        ArchitectureConfig.Uniform("tiny", new InputSpec(2, 32, 32, 4, InputEncoding.EventBinary), timeSteps: 2, embedDim: 16, depth: 1,
            heads: 2, mlpRatio: 1, classes: 3, maxPoolAfter: [true, true, false, false], new LifParameters(threshold, 2.0)) with
        {
            AttentionScale = 0.25,
            Bias = new BiasPlacement(Qkv: false),
        };

    private static IFramedSamples Frames(ModelFraming framing)
    {
        var shape = new FrameShape(framing.TimeSteps, 2, framing.SensorHeight / framing.Downsample, framing.SensorWidth / framing.Downsample);
        var random = new Random(9);
        var frames = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, shape.Elements).Select(_ => random.NextDouble() < 0.2 ? 1f : 0f).ToArray()).ToArray();
        return new InMemorySamples(shape, frames, [0, 1, 2, 0, 1, 2]);
    }

    [Fact]
    public void Training_free_evaluation_scores_flops_and_is_deterministic()
    {
        var config = Tiny(1.0);
        var first = new TrainingFreeEvaluator(framing => new SampleSubset(Frames(framing), 2), seed: 3).Evaluate(config, CancellationToken.None);
        var again = new TrainingFreeEvaluator(framing => new SampleSubset(Frames(framing), 2), seed: 3).Evaluate(config, CancellationToken.None);
        var table = LayerTable.From(config);
        Assert.Equal(table.MacsPerSample, first.Proxy);
        Assert.Null(first.Accuracy);
        Assert.Equal(table.TotalParameters, first.Parameters);
        Assert.Equal(EnergyMode.PaperAtInitialisation, first.Energy);
        Assert.True(first.EnergyPicojoules > 0);
        Assert.Equal(first.EnergyPicojoules, again.EnergyPicojoules);
    }

    [Fact]
    public void Training_free_energy_equals_that_of_the_same_model_recorded_through_the_autograd_path()
    {
        var config = Tiny(0.8) with { TimeSteps = 4 };
        const int seed = 5;
        var evaluation = new TrainingFreeEvaluator(framing => new SampleSubset(Frames(framing), 4), seed).Evaluate(config, CancellationToken.None);

        var samples = new SampleSubset(Frames(ModelFraming.For(config)), 4);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var frames = Batches.Load(samples, [0, 1, 2, 3], TorchSharp.torch.CPU).Frames;
        TorchSharp.torch.manual_seed(TrainingFreeEvaluator.StableSeed(seed, config.Name));
        using var model = Neuro.Models.Spikformer.SpikformerModel.Create(config);
        model.train();
        // Gradients on: every LIF runs the autograd recurrence and every layer is tallied by a double-precision sum.
        var rates = model.RecordFiringRates(() => model.forward(frames));

        Assert.Equal(EnergyModel.Estimate(LayerTable.From(config), rates).TotalPicojoules, evaluation.EnergyPicojoules);
    }

    [Fact]
    public void A_higher_threshold_fires_less_and_costs_less_energy_at_initialisation()
    {
        var evaluator = new TrainingFreeEvaluator(framing => Frames(framing), seed: 3);
        double low = evaluator.Evaluate(Tiny(0.6), CancellationToken.None).EnergyPicojoules;
        double high = evaluator.Evaluate(Tiny(2.0), CancellationToken.None).EnergyPicojoules;
        Assert.True(high < low, $"V_th 2.0: {high} pJ, V_th 0.6: {low} pJ");
    }

    [Fact]
    public void A_sample_subset_takes_evenly_spaced_samples()
    {
        var subset = new SampleSubset(Frames(new ModelFraming(2, 4, true, 32, 32)), 3);
        Assert.Equal(3, subset.Count);
        Assert.Equal([0, 2, 1], Enumerable.Range(0, 3).Select(subset.Label));
    }
}
