using Neuro.Program.Tests.Support;
using static Neuro.Program.Tests.Support.OpHarness;

namespace Neuro.Program.Tests;

/// <summary>Each op of the reference interpreter alone, against integer results worked out by hand.</summary>
public sealed class InterpreterOpTests
{
    #region Conv2d

    // Kernel taps numbered 1..9 row by row, so each output names the tap that reached it.
    private static readonly sbyte[] Taps = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void Conv_scatters_a_corner_event_with_its_multiplicity_to_in_bounds_outputs_only()
    {
        var b = Builder(1, 3, 3);
        b.Conv2d("conv", b.Input, 1, Taps, [10]);
        var result = Run(b, 2, 0, 0, 0, 0, 0, 0, 0, 0);

        // Output (0,0) sees the event through the centre tap 5, (0,1) through tap 4, (1,0) through 2, (1,1) through 1.
        Assert.Equal([20, 18, 10, 14, 12, 10, 10, 10, 10], result.Buffer("conv"));
        Assert.Equal(new OpStepCounters(Events: 1, InputSum: 2, Updates: 4, SynapticOps: 8, Macs: 0, NeuronUpdates: 0, OutputSum: 0),
            result.Counters("conv"));
    }

    [Fact]
    public void Dense_conv_computes_the_same_sums_and_counts_every_in_bounds_tap_as_a_mac()
    {
        var b = Builder(1, 3, 3);
        b.Conv2d("conv", b.Input, 1, Taps, [10], dense: true);
        var result = Run(b, 2, 0, 0, 0, 0, 0, 0, 0, 0);

        Assert.Equal([20, 18, 10, 14, 12, 10, 10, 10, 10], result.Buffer("conv"));
        // Corners reach 4 outputs, edges 6, the centre 9: 4·4 + 4·6 + 9.
        Assert.Equal(new OpStepCounters(1, 2, 0, 0, 49, 0, 0), result.Counters("conv"));
    }

    [Fact]
    public void Event_driven_conv_equals_the_gather_definition_on_random_maps_with_several_channels()
    {
        var random = new SplitMix64(7);
        const int channels = 2, outChannels = 3, height = 4, width = 5;
        var weights = Enumerable.Range(0, outChannels * channels * 9).Select(_ => (sbyte)random.Next(-128, 127)).ToArray();
        int[] bias = [5, -7, 0];
        var sample = Enumerable.Range(0, channels * height * width).Select(_ => (byte)(random.Chance(50) ? 0 : random.Next(1, 255))).ToArray();
        var b = Builder(channels, height, width);
        b.Conv2d("conv", b.Input, outChannels, weights, bias);

        var expected = new int[outChannels * height * width];
        for (int o = 0; o < outChannels; o++)
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int sum = bias[o];
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
            {
                int iy = y + ky - 1, ix = x + kx - 1;
                if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                    sum += weights[((o * channels + c) * 3 + ky) * 3 + kx] * sample[(c * height + iy) * width + ix];
            }
            expected[(o * height + y) * width + x] = sum;
        }
        Assert.Equal(expected, Run(b, sample).Buffer("conv"));
    }

    #endregion

    #region Linear

    [Fact]
    public void Linear_adds_each_column_times_the_event_multiplicity_plus_bias()
    {
        var b = Builder(2, 1, 2);
        int tokens = b.ToTokens("tokens", b.Input); // [[3, 0], [0, 1]]
        b.Linear("fc", tokens, 2, [1, -2, 4, 5], [10, -10]);
        var result = Run(b, 3, 0, 0, 1);

        Assert.Equal([13, 2, 8, -5], result.Buffer("fc"));
        Assert.Equal(new OpStepCounters(2, 4, 4, 8, 0, 0, 0), result.Counters("fc"));
    }

    [Fact]
    public void Linear_without_bias_starts_every_step_from_zero()
    {
        var b = Builder(1, 1, 1, timeSteps: 2);
        b.Linear("fc", b.ToTokens("tokens", b.Input), 1, [3]);
        var result = Run(b, 2, 5);
        Assert.Equal([6], result.Buffer("fc", 0));
        Assert.Equal([15], result.Buffer("fc", 1));
    }

    #endregion

    #region Lif

    [Fact]
    public void Lif_with_tau_two_halves_an_impulse_each_step_rounding_halves_up()
    {
        var result = Run(LifChain(1, 4, gain: 1, bias: 0, thresholds: [1000], leak: 32768), 100, 0, 0, 0);
        // 50, 25, then 25 − 12.5 → 13 (half up), then 13 − 6.5 → 7.
        Assert.Equal([50, 25, 13, 7], Enumerable.Range(0, 4).Select(t => result.Buffer("lif.v", t)[0]));
    }

    [Fact]
    public void Lif_with_tau_three_charges_towards_a_constant_input()
    {
        var result = Run(LifChain(1, 4, gain: 1, bias: 0, thresholds: [1000], leak: IntegerMath.LeakFromTau(3)), 30, 30, 30, 30);
        // V' = V + round((30 − V)·21845 / 65536): 10, 17, 21, 24.
        Assert.Equal([10, 17, 21, 24], Enumerable.Range(0, 4).Select(t => result.Buffer("lif.v", t)[0]));
    }

    [Fact]
    public void Lif_fires_when_the_membrane_exactly_reaches_threshold_and_resets_to_zero()
    {
        var result = Run(LifChain(2, 2, gain: 1, bias: 0, thresholds: [50], leak: 32768), 100, 98, 0, 0);
        Assert.Equal([1, 0], result.Buffer("lif", 0));
        Assert.Equal([0, 49], result.Buffer("lif.v", 0));
        Assert.Equal([0, 0], result.Buffer("lif", 1));
        Assert.Equal([0, 25], result.Buffer("lif.v", 1)); // 49 − 24.5 → 25: the reset neuron stays at rest
        Assert.Equal(1, result.Counters("lif", 0).OutputSum);
        Assert.Equal(2, result.Counters("lif", 0).NeuronUpdates);
    }

    [Fact]
    public void Lif_membrane_may_go_negative_and_decays_back_towards_zero()
    {
        var result = Run(LifChain(1, 3, gain: -1, bias: 0, thresholds: [1], leak: 32768), 100, 0, 0);
        Assert.Equal([-50, -25, -12], Enumerable.Range(0, 3).Select(t => result.Buffer("lif.v", t)[0]));
        Assert.All(Enumerable.Range(0, 3), t => Assert.Equal([0], result.Buffer("lif", t)));
    }

    [Fact]
    public void Lif_fractional_bits_keep_the_float_membrane_exactly_where_it_is_representable()
    {
        var result = Run(LifChain(1, 4, gain: 1, bias: 0, thresholds: [1000], leak: 32768, fractionalBits: 4), 1, 1, 1, 1);
        // Float V: 0.5, 0.75, 0.875, 0.9375; times 2^4.
        Assert.Equal([8, 12, 14, 15], Enumerable.Range(0, 4).Select(t => result.Buffer("lif.v", t)[0]));
    }

    [Fact]
    public void Lif_saturates_a_shifted_input_at_int32_instead_of_wrapping()
    {
        var result = Run(LifChain(1, 1, gain: 127, bias: int.MaxValue - 127 * 255, thresholds: [int.MaxValue], leak: IntegerMath.MaxLeak,
            fractionalBits: IntegerMath.MaxFractionalBits), 255);
        Assert.Equal([1], result.Buffer("lif"));
        Assert.Equal([0], result.Buffer("lif.v"));
    }

    [Fact]
    public void Lif_indexes_per_channel_thresholds_along_the_token_channel_axis()
    {
        var b = Builder(2, 1, 2);
        int acc = b.Linear("fc", b.ToTokens("tokens", b.Input), 2, [1, 0, 0, 1]);
        b.Lif("lif", acc, [5, 3], IntegerMath.MaxLeak);
        // Tokens [[4, 4], [5, 2]] against θ = [5, 3] per channel.
        Assert.Equal([0, 1, 1, 0], Run(b, 4, 5, 4, 2).Buffer("lif"));
    }

    [Fact]
    public void Membranes_start_every_sample_at_zero()
    {
        var program = LifChain(1, 2, gain: 1, bias: 0, thresholds: [1000], leak: 32768).BuildVerified();
        var interpreter = new ReferenceInterpreter(program, TraceLevel.Membranes);
        var first = interpreter.Run([100, 100]);
        var second = interpreter.Run([100, 100]);
        Assert.Equal([50], first.Traces["lif.v"][0].ToArray());
        Assert.Equal([.. first.Traces["lif.v"].SelectMany(step => step)], second.Traces["lif.v"].SelectMany(step => step));
    }

    #endregion

    #region Pooling, tokens, residuals

    [Fact]
    public void MaxPool_takes_the_largest_value_in_each_window_and_ignores_padding()
    {
        var b = Builder(1, 3, 3);
        b.MaxPool("pool", b.Input);
        // The centre 3 lies in all four windows; the corner 7 only in the last.
        Assert.Equal([3, 3, 3, 7], Run(b, 1, 0, 0, 0, 3, 0, 0, 0, 7).Buffer("pool"));
        Assert.Equal(16, Run(b, 1, 0, 0, 0, 3, 0, 0, 0, 7).Counters("pool").OutputSum);
    }

    [Fact]
    public void MaxPool_of_an_even_map_halves_it_and_a_lone_border_spike_survives()
    {
        var b = Builder(1, 4, 4, encoding: FrameEncoding.Binary);
        b.MaxPool("pool", b.Input);
        var sample = new byte[16];
        sample[3 * 4 + 3] = 1; // bottom-right corner: only window (1,1) covers rows 1..3, columns 1..3
        Assert.Equal([0, 0, 0, 1], Run(b, sample).Buffer("pool"));
    }

    [Fact]
    public void ToTokens_makes_each_pixel_a_token_of_its_channels()
    {
        var b = Builder(2, 1, 2);
        b.ToTokens("tokens", b.Input);
        Assert.Equal([1, 3, 2, 4], Run(b, 1, 2, 3, 4).Buffer("tokens"));
    }

    [Fact]
    public void Add_sums_residuals_and_saturates_at_255()
    {
        var b = Builder(1, 1, 3);
        b.Add("add", b.Input, b.Input);
        Assert.Equal([255, 200, 6], Run(b, 200, 100, 3).Buffer("add"));
    }

    #endregion

    #region Attention

    // Tokens [[1, 0, 1, 1], [1, 1, 0, 1]]: N = 2, C = 4, two heads of d = 2. Pixel-major input [C, 1, N].
    private static readonly byte[] AttentionInput = [1, 1, 0, 1, 1, 0, 1, 1];

    [Fact]
    public void MatMulQK_counts_coincidences_within_each_head_only()
    {
        var b = Builder(4, 1, 2);
        int x = b.ToTokens("x", b.Input);
        b.MatMulQK("qk", x, x, heads: 2);
        var result = Run(b, AttentionInput);
        Assert.Equal([1, 1, 1, 2, /* head 1 */ 2, 1, 1, 1], result.Buffer("qk"));
        Assert.Equal(new OpStepCounters(6, 6, 12, 12, 0, 0, 0), result.Counters("qk"));
    }

    [Fact]
    public void MatMulAV_weights_value_tokens_by_the_counts_of_their_head()
    {
        var b = Builder(4, 1, 2);
        int x = b.ToTokens("x", b.Input);
        b.MatMulAV("av", b.MatMulQK("qk", x, x, heads: 2), x, heads: 2);
        Assert.Equal([2, 1, 2, 3, 3, 2, 1, 2], Run(b, AttentionInput).Buffer("av"));
    }

    [Fact]
    public void MatMulKV_then_QKV_gives_the_same_integers_as_QK_then_AV()
    {
        var b = Builder(4, 1, 2);
        int x = b.ToTokens("x", b.Input);
        b.MatMulQKV("qkv", x, b.MatMulKV("kv", x, x, heads: 2), heads: 2);
        var result = Run(b, AttentionInput);
        Assert.Equal([2, 1, 1, 1, /* head 1 */ 1, 1, 1, 2], result.Buffer("kv"));
        Assert.Equal([2, 1, 2, 3, 3, 2, 1, 2], result.Buffer("qkv"));
        Assert.Equal(new OpStepCounters(6, 6, 12, 12, 0, 0, 0), result.Counters("qkv"));
    }

    [Fact]
    public void Attention_lif_with_the_scale_folded_into_theta_fires_where_scaled_counts_reach_the_float_threshold()
    {
        // Float: fire when av·(1/8) ≥ 0.25 (τ = 1). Folded: θ = 0.25 / (1/8) = 2 on the unscaled av.
        var b = Builder(4, 1, 2);
        int x = b.ToTokens("x", b.Input);
        int av = b.MatMulAV("av", b.MatMulQK("qk", x, x, heads: 2), x, heads: 2);
        b.Lif("attn_lif", av, [2], IntegerMath.MaxLeak);
        Assert.Equal([1, 0, 1, 1, 1, 1, 0, 1], Run(b, AttentionInput).Buffer("attn_lif"));
    }

    #endregion

    #region Readout

    [Fact]
    public void Readout_sums_tokens_over_steps_and_the_lowest_class_wins_a_tie()
    {
        var b = Builder(2, 1, 2, timeSteps: 2);
        b.Readout("head", b.ToTokens("tokens", b.Input), 3, [1, 1, 2, -1, 0, 3], [0, -4, 0]);
        // Tokens [[1, 2], [3, 0]] twice: sums [8, 4]; logits [12, 8, 12].
        var result = Run(b, 1, 3, 2, 0, 1, 3, 2, 0);
        Assert.Equal([8, 4], result.Buffer("head.sum", 1));
        Assert.Equal([12, 8, 12], result.Logits.ToArray());
        Assert.Equal(0, result.PredictedClass);
        Assert.Equal(new OpStepCounters(3, 6, 3, 6, 6, 0, 0), result.Counters("head", 1));
    }

    [Fact]
    public void Readout_saturates_logits_to_int32_after_exact_int64_accumulation()
    {
        var b = Builder(1, 1, 1);
        b.Readout("head", b.ToTokens("tokens", b.Input), 3, [1, -1, 1], [int.MaxValue, int.MinValue, int.MaxValue - 10]);
        var result = Run(b, 5);
        Assert.Equal([int.MaxValue, int.MinValue, int.MaxValue - 5], result.Logits.ToArray());
        Assert.Equal(0, result.PredictedClass);
    }

    [Fact]
    public void A_program_without_readout_yields_no_logits()
    {
        var b = Builder(1, 1, 1);
        b.ToTokens("tokens", b.Input);
        var result = Run(b, 1);
        Assert.Empty(result.Logits);
        Assert.Equal(-1, result.PredictedClass);
    }

    #endregion

    #region Samples

    [Fact]
    public void A_sample_of_the_wrong_length_is_refused_with_the_expected_shape()
    {
        var program = LifChain(1, 2, 1, 0, [1], 32768).BuildVerified();
        var error = Assert.Throws<Neuro.Core.Errors.NeuroException>(() => new ReferenceInterpreter(program).Run([1, 2, 3]));
        Assert.Contains("2·1·1·1 = 2", error.Message);
    }

    [Fact]
    public void A_binary_sample_holding_a_count_is_refused()
    {
        var b = Builder(1, 1, 2, encoding: FrameEncoding.Binary);
        b.ToTokens("tokens", b.Input);
        var error = Assert.Throws<Neuro.Core.Errors.NeuroException>(() => Run(b, 0, 2));
        Assert.Contains("value 2 at step 0, element 1", error.Message);
    }

    #endregion
}
