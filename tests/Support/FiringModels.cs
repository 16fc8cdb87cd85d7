using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using TorchSharp;

namespace Neuro.Tests.Support;

/// <summary>
/// Randomly initialised models that fire like trained ones. A fresh model is nearly silent past its first LIF, which
/// makes float-vs-integer agreement trivial and flatters an event-driven simulator; so BN statistics and affine
/// parameters are set as after training (every layer then fires at a few to tens of percent). Shared by the
/// compiler's tests and the simulator's benchmark (linked into both projects).
/// </summary>
internal static class FiringModels
{
    public static SpikformerModel Create(ArchitectureConfig config, int seed)
    {
        torch.manual_seed(seed);
        var model = SpikformerModel.Create(config);
        using var _ = torch.no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
                tensor.copy_(torch.randn_like(tensor) * 0.1);
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
                tensor.copy_(torch.rand_like(tensor) * 0.5 + 0.25);
            else if (name.Contains("bn", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
                tensor.copy_(torch.rand_like(tensor) * 2 + 1);
            else if (name.Contains("bn", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal))
                tensor.copy_(torch.randn_like(tensor) * 0.5 + 0.8);
        }
        model.eval();
        return model;
    }
}
