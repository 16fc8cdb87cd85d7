using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

[Collection("Sequential")]
public class SpikformerTests
{
    public static TheoryData<string> PresetNames() => new(Presets.Names);

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Trainable_parameters_equal_the_layer_table_for_every_preset(string preset)
    {
        var config = Presets.Get(preset);
        using var model = SpikformerModel.Create(config);
        long parameters = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        Assert.Equal(LayerTable.From(config).TotalParameters, parameters);
    }

    [Theory]
    [InlineData(AttentionOrder.QKFirst)]
    [InlineData(AttentionOrder.KVFirst)]
    public void Every_weighted_layer_of_the_layer_table_is_a_state_dict_key_and_nothing_else_is(AttentionOrder order)
    {
        var config = TinyConfigs.Dvs(order: order, depth: 2);
        using var model = SpikformerModel.Create(config);
        var keys = model.state_dict().Keys.ToHashSet();
        var table = LayerTable.From(config);
        var expected = new HashSet<string>();
        foreach (var layer in table.Layers)
        {
            if (layer.Kind is LayerKind.Conv2d or LayerKind.Linear)
                expected.Add($"{layer.Name}.weight");
            if (layer.Kind == LayerKind.Linear && layer.Parameters > (long)layer.InputShape[^1] * layer.OutputShape[^1])
                expected.Add($"{layer.Name}.bias");
            if (layer.Kind == LayerKind.BatchNorm)
                expected.UnionWith(new[] { "weight", "bias", "running_mean", "running_var" }.Select(key => $"{layer.Name}.{key}"));
        }
        Assert.Equal(expected.Order(), keys.Order());
        Assert.Contains("blocks.1.attn.q_linear.weight", keys);
        Assert.Contains("sps.conv0.weight", keys);
    }

    [Fact]
    public void Forward_maps_frames_to_logits_and_backward_reaches_the_first_conv()
    {
        var config = TinyConfigs.Dvs();
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = SpikformerModel.Create(config);
        var frames = rand(new long[] { config.TimeSteps, 4, 2, 16, 16 }).lt(0.3).to_type(ScalarType.Float32);
        var logits = model.forward(frames);
        Assert.Equal(new long[] { 4, config.Classes }, logits.shape);
        logits.sum().backward();
        var gradient = model.get_parameter("sps.conv0.weight")!.grad!;
        Assert.True(gradient.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Quantization_aware_training_reaches_weights_and_bn_affine_but_freezes_bn_statistics()
    {
        var config = TinyConfigs.Dvs();
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = SpikformerModel.Create(config);
        model.QuantizationAware = true;
        model.train();
        var statistics = model.state_dict()["sps.bn0.running_mean"].clone();
        var frames = rand(new long[] { config.TimeSteps, 4, 2, 16, 16 }).lt(0.3).to_type(ScalarType.Float32);

        model.forward(frames).sum().backward();

        // Straight-through rounding: gradients reach the conv weights and the BN's γ, β folded into them.
        Assert.True(model.get_parameter("sps.conv0.weight")!.grad!.abs().sum().item<float>() > 0);
        Assert.True(model.get_parameter("sps.bn0.weight")!.grad!.abs().sum().item<float>() > 0);
        Assert.True(model.get_parameter("head.linear.bias")!.grad!.abs().sum().item<float>() > 0);
        Assert.True(statistics.allclose(model.state_dict()["sps.bn0.running_mean"], rtol: 0, atol: 0));
    }

    [Fact]
    public void Firing_rates_cover_the_input_and_every_lif_and_pool_of_the_layer_table()
    {
        var config = TinyConfigs.Dvs(depth: 2);
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = SpikformerModel.Create(config);
        model.eval();
        var frames = rand(new long[] { config.TimeSteps, 2, 2, 16, 16 }).lt(0.25).to_type(ScalarType.Float32);
        var rates = model.RecordFiringRates(() => model.forward(frames));

        var expected = LayerTable.From(config).Layers.Where(layer => layer.Kind is LayerKind.Lif or LayerKind.MaxPool)
            .Select(layer => layer.Name).Append(LayerTable.InputName);
        Assert.Equal(expected.Order(), rates.Values.Keys.Order());
        Assert.Equal(frames.mean().item<float>(), rates.Values[LayerTable.InputName], 5);
        Assert.All(rates.Values.Values, rate => Assert.InRange(rate, 0, 1));
    }
}
