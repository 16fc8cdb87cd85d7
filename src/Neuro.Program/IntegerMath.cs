namespace Neuro.Program;

/// <summary>
/// Every rounding, saturation and leak rule of the spike-program semantics, written once. The
/// reference interpreter, the simulator and the C runtime (<c>firmware-gen/</c>) all use exactly these
/// definitions; docs/spike-program.md states them in words. Shifts of negative values are arithmetic
/// (floor), as C# and every C compiler we target define <c>&gt;&gt;</c> on signed integers.
/// </summary>
public static class IntegerMath
{
    /// <summary>Fraction bits of the leak constant k: the leak 1/τ is k / 2^16.</summary>
    public const int LeakShift = 16;

    /// <summary>k for τ = 1 (no leak: the membrane takes the input at once). The largest allowed k.</summary>
    public const int MaxLeak = 1 << LeakShift;

    /// <summary>The largest fractional-bit count F of a membrane, chosen so that every LIF intermediate fits int64.</summary>
    public const int MaxFractionalBits = 14;

    /// <summary>
    /// Rounds a / 2^shift to the nearest integer, halves rounding up (towards +∞):
    /// (a + 2^(shift−1)) &gt;&gt; shift with an arithmetic shift. shift must be 1..62 and the sum must not
    /// overflow, which every caller guarantees by its operand bounds.
    /// </summary>
    public static long RoundShift(long value, int shift) => (value + (1L << (shift - 1))) >> shift;

    /// <summary>Clamps to [int.MinValue, int.MaxValue].</summary>
    public static int SaturateInt32(long value) =>
        value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;

    /// <summary>Clamps to [0, 255].</summary>
    public static byte SaturateUInt8(int value) => value > byte.MaxValue ? byte.MaxValue : value < 0 ? (byte)0 : (byte)value;

    /// <summary>The leak constant of a time constant: k = round(65536 / τ), τ ≥ 1. Used by the compiler, not at run time.</summary>
    public static int LeakFromTau(double tau)
    {
        if (!(tau >= 1.0) || double.IsInfinity(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be a finite number ≥ 1");
        return Math.Max(1, (int)Math.Round(MaxLeak / tau, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// The charge step of one LIF neuron: H = sat32(V + round_shift(((X ≪ F) − V)·k, 16)). With
    /// |X|, |V| &lt; 2^31, F ≤ 14 and k ≤ 2^16 the product is below 2^62, so int64 never overflows.
    /// </summary>
    public static int LifCharge(int membrane, int input, int leak, int fractionalBits)
    {
        long drive = ((long)input << fractionalBits) - membrane;
        return SaturateInt32(membrane + RoundShift(drive * leak, LeakShift));
    }

    /// <summary>One whole LIF update: charge, fire if H ≥ θ, hard reset to 0. Returns the spike (0/1) and sets the membrane.</summary>
    public static byte LifStep(ref int membrane, int input, int threshold, int leak, int fractionalBits)
    {
        int charged = LifCharge(membrane, input, leak, fractionalBits);
        bool spike = charged >= threshold;
        membrane = spike ? 0 : charged;
        return spike ? (byte)1 : (byte)0;
    }

    /// <summary>Residual add of two activations: a + b saturated at 255.</summary>
    public static byte AddSaturating(byte left, byte right) => SaturateUInt8(left + right);
}
