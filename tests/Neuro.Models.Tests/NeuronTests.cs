using Neuro.Core.Architecture;
using Neuro.Models.Neurons;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

[Collection("Sequential")]
public class NeuronTests
{
    private static float[] Run(LifParameters parameters, params float[] currents)
    {
        using var scope = NewDisposeScope();
        var lif = MultiStepLif.Create("lif", parameters);
        return lif.forward(tensor(currents).reshape(currents.Length, 1)).data<float>().ToArray();
    }

    [Fact]
    public void Constant_input_charges_fires_and_resets_to_zero_with_tau_2()
    {
        // H0 = 1.5/2 = 0.75; H1 = 0.75 + (1.5 − 0.75)/2 = 1.125 ≥ 1 → spike, V = 0; then the pattern repeats.
        Assert.Equal(new float[] { 0, 1, 0, 1 }, Run(new LifParameters(1.0, 2.0), 1.5f, 1.5f, 1.5f, 1.5f));
    }

    [Fact]
    public void Tau_4_and_threshold_one_half_follow_the_decay_input_recurrence()
    {
        // H0 = 0.25; H1 = 0.25 + 0.75/4 = 0.4375; H2 = 0.4375 + 0.5625/4 = 0.578125 ≥ 0.5 → spike, reset; H3 = 0.25.
        Assert.Equal(new float[] { 0, 0, 1, 0 }, Run(new LifParameters(0.5, 4.0), 1, 1, 1, 1));
    }

    [Fact]
    public void A_membrane_exactly_at_threshold_fires()
    {
        Assert.Equal(new float[] { 1 }, Run(new LifParameters(1.0, 2.0), 2));
    }

    [Fact]
    public void Negative_input_leaks_the_membrane_down_without_firing()
    {
        // H0 = 0.9 · 1/1.25 = 0.72; H1 = 0.72 + (−1 − 0.72)/1.25 = −0.656; H2 = −0.656 + (2 + 0.656)/1.25 = 1.4688 → spike.
        Assert.Equal(new float[] { 0, 0, 1 }, Run(new LifParameters(1.0, 1.25), 0.9f, -1, 2));
    }

    [Theory]
    [InlineData(2.0, 1.0)]                 // H − V_th = 0: α·¼ = 1, times ∂H/∂X = 1/τ = ½
    [InlineData(3.0, 0.41997434161402614)] // H − V_th = 0.5: 4·σ(2)·(1 − σ(2))
    [InlineData(0.0, 0.07065082485316443)] // H − V_th = −1: 4·σ(−4)·(1 − σ(−4))
    public void Surrogate_gradient_is_the_derivative_of_a_sigmoid_with_alpha_4(double input, double surrogate)
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { (float)input }).reshape(1, 1).requires_grad_();
        MultiStepLif.Create("lif", LifParameters.Default).forward(x).sum().backward();
        Assert.Equal(surrogate / 2, x.grad!.item<float>(), 5);
    }

    [Fact]
    public void The_reset_is_detached_so_earlier_inputs_get_gradient_only_through_the_membrane()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 2f, 0f }).reshape(2, 1).requires_grad_();
        var spikes = MultiStepLif.Create("lif", LifParameters.Default).forward(x);
        spikes[1].sum().backward();
        // Step 0 fires (H0 = 1), so V0 = H0·(1 − S0) with S0 detached; H1 = V0/2 = 0 → ∂S1/∂x0 = sg'(−1)·(1 − S0)·… = 0.
        Assert.Equal(0f, x.grad![0, 0].item<float>());
    }
}
