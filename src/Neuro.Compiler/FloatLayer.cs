namespace Neuro.Compiler;

/// <summary>
/// A synaptic layer in float, flattened to <c>[Out, FanIn]</c> row-major (a 3×3 conv's fan-in is <c>C·3·3</c>):
/// what BN folding produces and quantization consumes.
/// </summary>
public sealed record FloatLayer(string Name, int Out, int FanIn, float[] Weights, float[] Bias)
{
    /// <summary>Row <paramref name="output"/> of the weights.</summary>
    public ReadOnlySpan<float> Row(int output) => Weights.AsSpan(output * FanIn, FanIn);
}

/// <summary>A BatchNorm's affine parameters and running statistics (eval mode), per channel.</summary>
public sealed record BatchNormParameters(float[] Gamma, float[] Beta, float[] Mean, float[] Variance, double Epsilon);

/// <summary>Folds an eval-mode BatchNorm into the synaptic layer before it.</summary>
public static class BatchNormFolding
{
    /// <summary>
    /// BN(Wx + b) = γ(Wx + b − μ)/√(σ² + ε) + β = W'x + b' with W'ₒ = Wₒ·γₒ/√(σₒ² + ε) and
    /// b'ₒ = (bₒ − μₒ)·γₒ/√(σₒ² + ε) + βₒ; computed in double so folding adds no error of its own.
    /// </summary>
    public static FloatLayer Fold(FloatLayer layer, BatchNormParameters norm)
    {
        if (norm.Gamma.Length != layer.Out)
            throw new ArgumentException($"{layer.Name}: BatchNorm has {norm.Gamma.Length} channels, the layer {layer.Out}");
        var weights = new float[layer.Weights.Length];
        var bias = new float[layer.Out];
        for (int o = 0; o < layer.Out; o++)
        {
            double factor = norm.Gamma[o] / Math.Sqrt(norm.Variance[o] + norm.Epsilon);
            var row = layer.Row(o);
            for (int i = 0; i < layer.FanIn; i++)
                weights[o * layer.FanIn + i] = (float)(row[i] * factor);
            bias[o] = (float)((layer.Bias[o] - norm.Mean[o]) * factor + norm.Beta[o]);
        }
        return layer with { Weights = weights, Bias = bias };
    }
}
