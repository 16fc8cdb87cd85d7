using Neuro.Core.Architecture;
using Neuro.Models.Neurons;
using Neuro.Models.Spikformer;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

/// <summary>
/// With gradients off the LIF runs <see cref="MultiStepLif.Fire"/> and spikes are tallied as counts; these tests hold that
/// path to the autograd one bit for bit, so evaluation results do not depend on which one ran.
/// </summary>
[Collection("Sequential")]
public class InferencePathTests
{
    [Theory]
    [InlineData(1.0, 2.0)]
    [InlineData(0.6, 1.25)]
    [InlineData(2.0, 10.0)]
    [InlineData(0.5, 3.75)]
    public void Inference_firing_gives_the_spikes_of_the_autograd_recurrence(double threshold, double tau)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        // Currents on a grid of quarters hit the threshold exactly now and then, besides the random ones around it.
        var random = randn(new long[] { 12, 3, 50, 7 }).mul(threshold * 1.5).add(threshold * 0.5);
        var gridded = random.mul(4).round().div(4);
        foreach (var currents in new[] { random, gridded })
        {
            var expected = MultiStepLif.Integrate(currents, threshold, tau);
            var actual = MultiStepLif.Fire(currents, threshold, tau);
            Assert.Equal(ScalarType.Float32, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.eq(actual).all().item<bool>(), $"V_th {threshold}, τ {tau}: spikes differ");
            Assert.True(expected.sum().item<float>() > 0, "the currents should make the neurons fire");
        }
    }

    [Fact]
    public void A_lif_runs_the_inference_path_only_with_gradients_off_and_gives_the_same_spikes()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var currents = randn(new long[] { 6, 4, 20 }).add(0.5);
        var lif = MultiStepLif.Create("lif", new LifParameters(0.8, 1.5));
        var withGradients = lif.forward(currents.requires_grad_());
        Tensor withoutGradients;
        using (no_grad())
            withoutGradients = lif.forward(currents);
        Assert.True(withGradients.requires_grad);
        Assert.False(withoutGradients.requires_grad);
        Assert.True(withGradients.detach().eq(withoutGradients).all().item<bool>());
    }

    [Fact]
    public void Counting_spikes_tallies_the_same_rate_as_summing_them()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var spikes = rand(new long[] { 5, 3, 100 }).lt(0.3).to_type(ScalarType.Float32);
        var summed = new ActivityRecorder();
        var counted = new ActivityRecorder();
        summed.Add("layer", spikes);
        summed.Add("layer", spikes[..2]);
        counted.AddSpikes("layer", spikes);
        counted.AddSpikes("layer", spikes[..2]);
        Assert.Equal(summed.ToFiringRates().Values["layer"], counted.ToFiringRates().Values["layer"]);
    }

    [Theory]
    [InlineData(AttentionOrder.QKFirst)]
    [InlineData(AttentionOrder.KVFirst)]
    public void Firing_rates_and_logits_without_gradients_equal_those_of_the_autograd_path(AttentionOrder order)
    {
        var config = TinyConfigs.Dvs(depth: 2, timeSteps: 4, order: order) with
        {
            Blocks = [.. TinyConfigs.Dvs(depth: 2).Blocks.Select((block, index) => block with { Lif = new LifParameters(0.6 + 0.4 * index, 1.25 + index) })],
        };
        using var scope = NewDisposeScope();
        manual_seed(14);
        using var model = SpikformerModel.Create(config);
        // Batch statistics, as the training-free evaluation runs it: the blocks fire, so every layer's rate is tested.
        model.train();
        var frames = rand(new long[] { config.TimeSteps, 3, 2, 16, 16 }).lt(0.1).to_type(ScalarType.Float32);

        Tensor autogradLogits = null!, inferenceLogits = null!;
        var autograd = model.RecordFiringRates(() => autogradLogits = model.forward(frames));
        var inference = model.RecordFiringRates(() =>
        {
            using var _ = no_grad();
            inferenceLogits = model.forward(frames);
        });

        Assert.True(autogradLogits.requires_grad);
        Assert.Equal(autograd.Values.Keys.Order(), inference.Values.Keys.Order());
        foreach (var (layer, rate) in autograd.Values)
            Assert.True(rate == inference.Values[layer], $"{layer}: autograd {rate}, inference {inference.Values[layer]}");
        Assert.Contains(autograd.Values, pair => pair.Key.StartsWith("blocks.1.", StringComparison.Ordinal) && pair.Value > 0);
        Assert.True(autogradLogits.detach().eq(inferenceLogits).all().item<bool>());
    }
}
