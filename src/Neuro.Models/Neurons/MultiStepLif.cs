using Neuro.Core.Architecture;
using Neuro.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Neurons;

/// <summary>
/// Multi-step leaky integrate-and-fire neurons with the semantics of SpikingJelly's <c>MultiStepLIFNode</c> as
/// Spikformer uses it (decay_input, V_reset = 0, hard reset, detach_reset, surrogate Sigmoid α = 4). Per step t:
/// <code>
/// H[t] = V[t−1] + (X[t] − V[t−1]) / τ        (decay_input with V_reset = 0)
/// S[t] = Θ(H[t] − V_th)                       (Heaviside forward, sigmoid surrogate backward)
/// V[t] = H[t] · (1 − S[t])                    (hard reset to 0; the reset is detached from the graph)
/// </code>
/// with V[−1] = 0. Input and output are <c>[T, …]</c>; the state lives only inside one forward call, so every
/// sample starts at rest. <see cref="Threshold"/> and <see cref="Tau"/> are settable because a supernet changes them
/// per sampled subnet; they are not parameters.
/// </summary>
public sealed class MultiStepLif : LeafModule
{
    private readonly ActivityTap _tap;

    private MultiStepLif(string name, LifParameters parameters, ActivityTap tap) : base(name)
    {
        LayerName = name;
        Threshold = parameters.Threshold;
        Tau = parameters.Tau;
        _tap = tap;
    }

    /// <summary>
    /// Creates LIF neurons. <paramref name="layerName"/> is the LayerTable name under which their firing rate is recorded;
    /// <paramref name="tap"/> is the owning model's recording switch (a fresh one records nothing).
    /// </summary>
    public static MultiStepLif Create(string layerName, LifParameters parameters, ActivityTap? tap = null) =>
        new(layerName, parameters, tap ?? new ActivityTap());

    /// <summary>The LayerTable name this layer's firing rate is recorded under (e.g. <c>blocks.0.attn.q_lif</c>).</summary>
    public string LayerName { get; }

    /// <summary>Firing threshold V_th.</summary>
    public double Threshold { get; set; }

    /// <summary>Membrane time constant τ; the membrane moves 1/τ of the way to the input each step.</summary>
    public double Tau { get; set; }

    /// <summary>
    /// Spikes <c>[T, …]</c> (0/1) for an input current <c>[T, …]</c>. With gradients off (evaluation, firing-rate
    /// recording) it runs <see cref="Fire"/>, which gives the same spikes as <see cref="Integrate"/> in fewer operations.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        if (is_grad_enabled())
            return _tap.Record(LayerName, Integrate(input, Threshold, Tau));
        return _tap.RecordSpikes(LayerName, Fire(input, Threshold, Tau));
    }

    /// <summary>The LIF recurrence over the leading time axis; see the class remarks.</summary>
    public static Tensor Integrate(Tensor input, double threshold, double tau)
    {
        // Scalars are created once per call and disposed at its end: see KeptScalars for why none is left to the GC.
        using var leak = (1 / tau).ToScalar();
        using var thresholdScalar = threshold.ToScalar();
        long steps = input.shape[0];
        var spikes = new Tensor[steps];
        Tensor? membrane = null;
        for (long t = 0; t < steps; t++)
        {
            var current = input[t];
            // H = V + (X − V)/τ, with V = 0 before the first step.
            var charged = membrane is null ? current.mul(leak) : membrane.add(current.sub(membrane), leak);
            var spike = SigmoidSurrogateSpike.Apply(charged.sub(thresholdScalar));
            // Hard reset V = H·(1 − S); detach_reset: the reset does not feed gradients back, as in the official training.
            membrane = charged.sub(charged.mul(spike.detach()));
            spikes[t] = spike;
        }
        return stack(spikes);
    }

    /// <summary>
    /// The recurrence of <see cref="Integrate"/> for inference: no autograd function, the membrane updated in place and
    /// each step's spikes written straight into the output, five tensor operations per step instead of nine plus a stack.
    /// For finite currents the spikes are bit for bit those of <see cref="Integrate"/>: the charge is the same operations on
    /// the same values, H ≥ V_th holds exactly when the rounded H − V_th ≥ 0 does (a difference of floats rounds to zero
    /// only when they are equal), and the reset is the same H − H·S.
    /// </summary>
    public static Tensor Fire(Tensor input, double threshold, double tau)
    {
        using var leak = (1 / tau).ToScalar();
        using var thresholdScalar = threshold.ToScalar();
        long steps = input.shape[0];
        var spikes = empty_like(input);
        Tensor? membrane = null;
        try
        {
            for (long t = 0; t < steps; t++)
            {
                using var current = input[t];
                if (membrane is null)
                {
                    membrane = current.mul(leak);
                }
                else
                {
                    using var difference = current.sub(membrane);
                    membrane.add_(difference, leak);
                }
                using var spike = spikes[t];
                spike.copy_(membrane).ge_(thresholdScalar);
                membrane.addcmul_(membrane, spike, KeptScalars.MinusOne);
            }
            return spikes;
        }
        finally
        {
            membrane?.Dispose();
        }
    }
}
