using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Neuro.Models.Neurons;

/// <summary>
/// The spike nonlinearity with SpikingJelly's <c>surrogate.Sigmoid</c> gradient: forward Heaviside(x) (1 where x ≥ 0),
/// backward α·sg(x)·(1 − sg(x)) with sg(x) = sigmoid(α·x). The Heaviside step has a zero gradient almost everywhere,
/// so backpropagation through time needs this smooth stand-in.
/// </summary>
public sealed class SigmoidSurrogateSpike : SingleTensorFunction<SigmoidSurrogateSpike>
{
    private const string AlphaKey = "alpha";

    /// <summary>Spikformer's surrogate sharpness (SpikingJelly's default for <c>surrogate.Sigmoid</c>).</summary>
    public const double DefaultAlpha = 4.0;

    public override string Name => nameof(SigmoidSurrogateSpike);

    /// <summary>Spikes (0/1, same dtype as <paramref name="membraneMinusThreshold"/>) where the input is ≥ 0.</summary>
    public static Tensor Apply(Tensor membraneMinusThreshold, double alpha = DefaultAlpha) =>
        apply(membraneMinusThreshold, alpha);

    /// <summary>Called by <see cref="SingleTensorFunction{T}.apply"/>: vars are the tensor x and the double α.</summary>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        ctx.save_for_backward([x]);
        ctx.save_data(AlphaKey, (double)vars[1]);
        return x.ge(KeptScalars.Zero).to_type(x.dtype);
    }

    /// <summary>One gradient per forward argument: the surrogate for x, none for the constant α.</summary>
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var x = ctx.get_saved_variables()[0];
        double alpha = (double)ctx.get_data(AlphaKey);
        using var alphaScalar = alpha.ToScalar();
        var sg = x.mul(alphaScalar).sigmoid();
        // α·sg·(1 − sg) written as α·(sg − sg²) to need no temporary scalar.
        return [grad_output.mul(sg.sub(sg.square()).mul(alphaScalar)), null!];
    }
}
