using Neuro.Program;

namespace Neuro.Compiler;

/// <summary>The integer attributes of one LIF op: θ per channel (or one), leak k, fractional bits F.</summary>
public sealed record LifSettings(int[] Thresholds, int Leak, int FractionalBits);

/// <summary>
/// Turns a float LIF (threshold, τ) after a layer whose accumulator is worth <c>scaleₒ</c> per count into integers
/// (docs/spike-program.md §3.3): k = round(65536/τ), θₒ = round(θ·2^F/scaleₒ), with F as large as the
/// accumulator's proven bound allows.
/// </summary>
public static class LifQuantization
{
    /// <summary>
    /// The membrane is a convex mix of 0 and <c>X·2^F</c> (plus half-unit roundings), so |V| stays near
    /// |X|·2^F; keeping (bound + 1)·2^F ≤ 2^30 leaves a factor of two before <c>sat32</c> could ever act.
    /// </summary>
    public static int FractionalBitsFor(long accumulatorBound)
    {
        int bits = 0;
        while (bits < 14 && (accumulatorBound + 1) << (bits + 1) <= 1L << 30)
            bits++;
        return bits;
    }

    /// <summary>
    /// θₒ in membrane units. A threshold beyond int32 means the channel can never fire (its membrane is bounded far
    /// below); it saturates to int.MaxValue, which keeps that behaviour. A threshold that rounds to 0 becomes 1
    /// (the verifier's θ ≥ 1), a difference of one unit in the last place.
    /// </summary>
    public static int[] Thresholds(double threshold, IReadOnlyList<double> scales, int fractionalBits)
    {
        var result = new int[scales.Count];
        for (int channel = 0; channel < scales.Count; channel++)
        {
            double value = Math.Round(threshold * (1L << fractionalBits) / scales[channel], MidpointRounding.AwayFromZero);
            result[channel] = value >= int.MaxValue ? int.MaxValue : Math.Max(1, (int)value);
        }
        return result;
    }

    public static LifSettings For(double threshold, double tau, IReadOnlyList<double> scales, long accumulatorBound)
    {
        int bits = FractionalBitsFor(accumulatorBound);
        return new LifSettings(Thresholds(threshold, scales, bits), IntegerMath.LeakFromTau(tau), bits);
    }
}
