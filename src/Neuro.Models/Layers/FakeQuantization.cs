using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// Quantization-aware forward passes: the weights the compiler will emit (docs/compiler.md), rounded in the forward
/// pass with straight-through gradients, so a model fine-tuned this way is the integer program up to the LIF's
/// fixed-point rounding. A conv or linear and the eval-mode BN after it are folded, then rounded to the compiler's
/// symmetric int8 grid with one scale per output channel (max|w|/127), bias on the same grid; the head uses one
/// scale for the whole tensor and the bias grid of the readout (scale / (N·T)).
/// </summary>
internal static class FakeQuantization
{
    private const double MaxWeight = 127;

    /// <summary>Folds <paramref name="norm"/> into <paramref name="weight"/> [O, …] and <paramref name="bias"/>, then rounds them per channel.</summary>
    public static (Tensor Weight, Tensor Bias) FoldPerChannel(Tensor weight, Tensor? bias, ElasticBatchNorm norm)
    {
        var (gamma, beta, mean, variance) = norm.ActiveStatistics();
        long[] perChannel = [weight.shape[0], .. Enumerable.Repeat(1L, (int)weight.dim() - 1)];
        var factor = gamma / (variance + ElasticBatchNorm.Epsilon).sqrt();
        var folded = weight * factor.view(perChannel);
        var foldedBias = ((bias is null ? zeros_like(mean) : bias) - mean) * factor + beta;
        var scale = (folded.detach().abs().flatten(1).amax([1]) / MaxWeight).clamp_min(1e-12);
        var weightGrid = RoundThrough(folded / scale.view(perChannel)).clamp(-MaxWeight, MaxWeight) * scale.view(perChannel);
        return (weightGrid, RoundThrough(foldedBias / scale) * scale);
    }

    /// <summary>Rounds the head's weights to one int8 grid and its bias to that grid divided by <paramref name="meanDenominator"/> (N·T).</summary>
    public static (Tensor Weight, Tensor? Bias) PerTensor(Tensor weight, Tensor? bias, long meanDenominator)
    {
        var scale = (weight.detach().abs().max() / MaxWeight).clamp_min(1e-12);
        var weightGrid = RoundThrough(weight / scale).clamp(-MaxWeight, MaxWeight) * scale;
        var biasGrid = bias is null ? null : RoundThrough(bias * meanDenominator / scale) * scale / meanDenominator;
        return (weightGrid, biasGrid);
    }

    /// <summary>Rounds in the forward pass; the gradient passes through as if it had not.</summary>
    private static Tensor RoundThrough(Tensor x) => x + (x.round() - x).detach();
}
