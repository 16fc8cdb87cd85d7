namespace Neuro.Program.Tests;

public sealed class IntegerMathTests
{
    [Theory]
    [InlineData(3, 1, 2)]      // 1.5 rounds up to 2
    [InlineData(-3, 1, -1)]    // −1.5 rounds up to −1, not away from zero
    [InlineData(-5, 2, -1)]    // −1.25 → −1
    [InlineData(-6, 2, -1)]    // −1.5 → −1
    [InlineData(-7, 2, -2)]    // −1.75 → −2
    [InlineData(5, 2, 1)]      // 1.25 → 1
    [InlineData(6, 2, 2)]      // 1.5 → 2
    [InlineData(0, 16, 0)]
    [InlineData(-32768, 16, 0)] // −0.5 → 0
    [InlineData(-32769, 16, -1)]
    public void RoundShift_rounds_halves_towards_positive_infinity(long value, int shift, long expected) =>
        Assert.Equal(expected, IntegerMath.RoundShift(value, shift));

    [Theory]
    [InlineData(2.0, 32768)]
    [InlineData(3.0, 21845)]
    [InlineData(1.5, 43691)]
    [InlineData(1.0, 65536)]
    [InlineData(100000.0, 1)]
    public void LeakFromTau_is_65536_over_tau_rounded(double tau, int expected) =>
        Assert.Equal(expected, IntegerMath.LeakFromTau(tau));

    [Fact]
    public void LeakFromTau_refuses_tau_below_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IntegerMath.LeakFromTau(0.5));

    [Fact]
    public void Saturation_clamps_to_the_type_range()
    {
        Assert.Equal(int.MaxValue, IntegerMath.SaturateInt32(1L << 40));
        Assert.Equal(int.MinValue, IntegerMath.SaturateInt32(-(1L << 40)));
        Assert.Equal(-5, IntegerMath.SaturateInt32(-5));
        Assert.Equal(255, IntegerMath.AddSaturating(200, 100));
        Assert.Equal(255, IntegerMath.AddSaturating(255, 0));
        Assert.Equal(254, IntegerMath.AddSaturating(127, 127));
    }

    [Fact]
    public void LifCharge_with_tau_one_takes_the_shifted_input_exactly()
    {
        Assert.Equal(48, IntegerMath.LifCharge(membrane: 17, input: 3, leak: IntegerMath.MaxLeak, fractionalBits: 4));
        Assert.Equal(int.MaxValue, IntegerMath.LifCharge(0, int.MaxValue, IntegerMath.MaxLeak, IntegerMath.MaxFractionalBits));
        Assert.Equal(int.MinValue, IntegerMath.LifCharge(int.MaxValue, int.MinValue, IntegerMath.MaxLeak, IntegerMath.MaxFractionalBits));
    }

    [Fact]
    public void LifStep_fires_at_exactly_the_threshold_and_resets_to_zero()
    {
        int membrane = 0;
        Assert.Equal(1, IntegerMath.LifStep(ref membrane, input: 100, threshold: 50, leak: 32768, fractionalBits: 0));
        Assert.Equal(0, membrane);
        Assert.Equal(1, IntegerMath.LifStep(ref membrane, input: 99, threshold: 50, leak: 32768, fractionalBits: 0)); // 49.5 rounds up to 50
        Assert.Equal(0, membrane);
        Assert.Equal(0, IntegerMath.LifStep(ref membrane, input: 98, threshold: 50, leak: 32768, fractionalBits: 0));
        Assert.Equal(49, membrane);
    }
}
