using Neuro.Compiler;
using Neuro.Core.Errors;

namespace Neuro.Compiler.Tests;

public class QuantizationTests
{
    private static FloatLayer RandomLayer(int seed, int outputs = 7, int fanIn = 19)
    {
        var random = new Random(seed);
        var weights = Enumerable.Range(0, outputs * fanIn).Select(_ => (float)(random.NextDouble() * 2 - 1) * (1 + random.Next(4))).ToArray();
        var bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        return new FloatLayer("layer", outputs, fanIn, weights, bias);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Per_channel_error_is_at_most_half_a_step_of_each_channel(int seed)
    {
        var layer = RandomLayer(seed);
        var quantized = Quantizer.PerChannel(layer);
        for (int o = 0; o < layer.Out; o++)
        {
            Assert.Equal(127, quantized.Weights.Skip(o * layer.FanIn).Take(layer.FanIn).Max(weight => Math.Abs((int)weight)));
            for (int i = 0; i < layer.FanIn; i++)
            {
                double error = Math.Abs(layer.Weights[o * layer.FanIn + i] - quantized.Scales[o] * quantized.Weights[o * layer.FanIn + i]);
                Assert.True(error <= quantized.Scales[o] / 2 + 1e-7, $"channel {o} weight {i}: error {error} > half step {quantized.Scales[o] / 2}");
            }
            Assert.True(Math.Abs(layer.Bias[o] - quantized.Scales[o] * quantized.Bias[o]) <= quantized.Scales[o] / 2 + 1e-7);
        }
        Assert.True(quantized.MaxWeightError(layer) <= quantized.Scales.Max() / 2 + 1e-7);
    }

    [Fact]
    public void Per_tensor_shares_one_scale_and_prescales_the_bias()
    {
        var layer = new FloatLayer("head", 2, 2, [0.6f, -1f, 0.25f, 0.1f], [0.01f, -0.02f]);
        var quantized = Quantizer.PerTensor(layer, biasMultiplier: 64);
        Assert.All(quantized.Scales, scale => Assert.Equal(1.0 / 127, scale, 12));
        Assert.Equal(new sbyte[] { 76, -127, 32, 13 }, quantized.Weights);
        // 0.01·64·127 = 81.28 → 81; −0.02·64·127 = −162.56 → −163.
        Assert.Equal(new[] { 81, -163 }, quantized.Bias);
    }

    [Fact]
    public void A_channel_without_weights_takes_its_scale_from_its_bias()
    {
        var layer = new FloatLayer("dead", 1, 3, [0f, 0f, 0f], [2.54f]);
        var quantized = Quantizer.PerChannel(layer);
        Assert.Equal(0.02, quantized.Scales[0], 9);
        Assert.Equal(127, quantized.Bias[0]);
    }

    [Fact]
    public void A_bias_beyond_int32_in_its_channel_unit_is_refused_naming_the_layer()
    {
        var layer = new FloatLayer("blocks.0.mlp.fc1_linear", 1, 1, [1e-9f], [1000f]);
        var error = Assert.Throws<NeuroException>(() => Quantizer.PerChannel(layer));
        Assert.Contains("blocks.0.mlp.fc1_linear", error.Message);
    }

    [Theory]
    [InlineData(0L, 14)]
    [InlineData(8_128L, 14)]
    [InlineData(1L << 20, 9)]
    [InlineData(583_000L, 10)]
    [InlineData(int.MaxValue, 0)]
    public void Fractional_bits_leave_a_factor_two_of_headroom_below_int32(long bound, int expected)
    {
        int bits = LifQuantization.FractionalBitsFor(bound);
        Assert.Equal(expected, bits);
        Assert.True(bits == 0 || (bound + 1) << bits <= 1L << 30);
    }

    [Fact]
    public void Thresholds_are_in_each_channels_membrane_unit()
    {
        // θ = 1, F = 4: θ·16/s → s = 0.5 gives 32, s = 3 gives 5.33 → 5, s = 100 gives 0.16 → at least 1.
        Assert.Equal(new[] { 32, 5, 1 }, LifQuantization.Thresholds(1.0, [0.5, 3, 100], 4));
        // A threshold no membrane can reach saturates instead of wrapping.
        Assert.Equal(int.MaxValue, LifQuantization.Thresholds(1.0, [1e-12], 14)[0]);
    }

    [Fact]
    public void Attention_scale_becomes_an_exact_threshold_unit()
    {
        var settings = LifQuantization.For(threshold: 0.5, tau: 2.0, scales: [0.125], accumulatorBound: 1 << 16);
        Assert.Equal(32768, settings.Leak);
        Assert.Equal(4 << settings.FractionalBits, settings.Thresholds[0]);
    }
}
