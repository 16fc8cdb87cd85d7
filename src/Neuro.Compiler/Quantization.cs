using Neuro.Core.Errors;

namespace Neuro.Compiler;

/// <summary>
/// A layer quantized to int8 weights with one scale per output channel: float ≈ scaleₒ·int. The bias is in the
/// same unit as the accumulator (scaleₒ per count), so the LIF after it sees <c>scaleₒ·acc</c> and its threshold
/// absorbs the scale.
/// </summary>
public sealed record QuantizedLayer(string Name, int Out, int FanIn, sbyte[] Weights, int[] Bias, double[] Scales)
{
    /// <summary>Largest |float − scale·int| over all weights: at most half a step of its channel.</summary>
    public double MaxWeightError(FloatLayer source)
    {
        double worst = 0;
        for (int o = 0; o < Out; o++)
            for (int i = 0; i < FanIn; i++)
                worst = Math.Max(worst, Math.Abs(source.Weights[o * FanIn + i] - Scales[o] * Weights[o * FanIn + i]));
        return worst;
    }
}

/// <summary>Symmetric int8 quantization (−127…127; −128 unused so the range is symmetric).</summary>
public static class Quantizer
{
    public const int MaxWeight = 127;

    /// <summary>
    /// One scale per output channel, sₒ = max|Wₒ|/127, so the largest weight of every channel uses the whole int8
    /// range. A channel whose weights are all zero gets sₒ = |bₒ|/127 (or 1): its accumulator is its bias alone.
    /// </summary>
    /// <exception cref="NeuroException">A bias does not fit int32 in its channel's unit.</exception>
    public static QuantizedLayer PerChannel(FloatLayer layer)
    {
        var scales = new double[layer.Out];
        for (int o = 0; o < layer.Out; o++)
        {
            double largest = 0;
            foreach (float weight in layer.Row(o))
                largest = Math.Max(largest, Math.Abs(weight));
            scales[o] = largest > 0 ? largest / MaxWeight : Math.Abs(layer.Bias[o]) > 0 ? Math.Abs(layer.Bias[o]) / MaxWeight : 1;
        }
        return WithScales(layer, scales, biasMultiplier: 1);
    }

    /// <summary>
    /// One scale for the whole tensor: the readout's logits are compared across classes, so every class must share
    /// its unit. <paramref name="biasMultiplier"/> pre-scales the bias (the readout's N·T mean denominator).
    /// </summary>
    public static QuantizedLayer PerTensor(FloatLayer layer, long biasMultiplier)
    {
        double largest = layer.Weights.Length == 0 ? 0 : layer.Weights.Max(weight => Math.Abs(weight));
        double scale = largest > 0 ? largest / MaxWeight : 1;
        return WithScales(layer, Enumerable.Repeat(scale, layer.Out).ToArray(), biasMultiplier);
    }

    private static QuantizedLayer WithScales(FloatLayer layer, double[] scales, long biasMultiplier)
    {
        var weights = new sbyte[layer.Weights.Length];
        var bias = new int[layer.Out];
        for (int o = 0; o < layer.Out; o++)
        {
            var row = layer.Row(o);
            for (int i = 0; i < layer.FanIn; i++)
                weights[o * layer.FanIn + i] = (sbyte)Math.Clamp(Math.Round(row[i] / scales[o], MidpointRounding.AwayFromZero), -MaxWeight, MaxWeight);
            double scaledBias = Math.Round(layer.Bias[o] * biasMultiplier / scales[o], MidpointRounding.AwayFromZero);
            if (Math.Abs(scaledBias) > int.MaxValue / 2)
                throw new NeuroException(
                    $"{layer.Name}: channel {o}'s bias {layer.Bias[o]:G4} is {scaledBias:G4} in its weight unit (scale {scales[o]:G4}), beyond int32; the layer's weights are degenerate");
            bias[o] = (int)scaledBias;
        }
        return new QuantizedLayer(layer.Name, layer.Out, layer.FanIn, weights, bias, scales);
    }
}
