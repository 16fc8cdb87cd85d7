using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// Batch normalisation over the channel axis (axis 1) with <c>nn.BatchNorm1d/2d</c>'s state-dict keys (<c>weight</c>,
/// <c>bias</c>, <c>running_mean</c>, <c>running_var</c>) that can run on its first <see cref="ActiveFeatures"/>
/// channels. In training the running statistics of those channels are updated in place through views, so subnets
/// share them; <see cref="Momentum"/> is settable so BN recalibration can take a cumulative average.
/// </summary>
public sealed class ElasticBatchNorm : LeafModule
{
    /// <summary>ε of the normalisation (PyTorch's default); the compiler folds BN with the same value.</summary>
    public const double Epsilon = 1e-5;

    private ElasticBatchNorm(string name, int features) : base(name)
    {
        Features = ActiveFeatures = features;
        register_parameter("weight", new Parameter(ones(features)));
        register_parameter("bias", new Parameter(zeros(features)));
        register_buffer("running_mean", zeros(features));
        register_buffer("running_var", ones(features));
    }

    /// <summary>Creates a batch norm over <paramref name="features"/> channels, fully active.</summary>
    public static ElasticBatchNorm Create(string name, int features) => new(name, features);

    /// <summary>Channels of the full layer.</summary>
    public int Features { get; }

    /// <summary>Channels in use (≤ <see cref="Features"/>).</summary>
    public int ActiveFeatures { get; set; }

    /// <summary>Weight of the current batch in the running statistics (PyTorch's default 0.1).</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Normalises <c>[N, ActiveFeatures, …]</c>.</summary>
    public override Tensor forward(Tensor input) =>
        nn.functional.batch_norm(input, Entangled.Corner(get_buffer("running_mean")!, ActiveFeatures),
            Entangled.Corner(get_buffer("running_var")!, ActiveFeatures), Entangled.Corner(get_parameter("weight")!, ActiveFeatures),
            Entangled.Corner(get_parameter("bias")!, ActiveFeatures), training, Momentum, Epsilon);

    /// <summary>γ, β and the running mean and variance of the active channels, as eval mode uses them.</summary>
    internal (Tensor Gamma, Tensor Beta, Tensor Mean, Tensor Variance) ActiveStatistics() =>
        (Entangled.Corner(get_parameter("weight")!, ActiveFeatures), Entangled.Corner(get_parameter("bias")!, ActiveFeatures),
            Entangled.Corner(get_buffer("running_mean")!, ActiveFeatures), Entangled.Corner(get_buffer("running_var")!, ActiveFeatures));

    /// <summary>Forgets the running statistics of the active channels (mean 0, variance 1).</summary>
    public void ResetRunningStatistics()
    {
        using var _ = no_grad();
        Entangled.Corner(get_buffer("running_mean")!, ActiveFeatures).zero_();
        using var one = 1.ToScalar();
        Entangled.Corner(get_buffer("running_var")!, ActiveFeatures).fill_(one);
    }
}
