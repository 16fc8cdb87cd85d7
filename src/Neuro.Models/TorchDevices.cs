using Neuro.Core.Errors;
using TorchSharp;

namespace Neuro.Models;

/// <summary>Turns a user's <c>--device</c> choice into a TorchSharp device, refusing choices this machine cannot run.</summary>
public static class TorchDevices
{
    /// <summary>
    /// Resolves <paramref name="name"/>: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, or <c>auto</c> (CUDA when TorchSharp finds it, else CPU).
    /// </summary>
    /// <exception cref="NeuroException">The name is unknown, or CUDA was asked for and is not available.</exception>
    public static torch.Device Resolve(string name)
    {
        string normalized = name.Trim().ToLowerInvariant();
        if (normalized == "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (normalized == "cpu")
            return torch.CPU;
        if (normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new NeuroException($"--device {name}: TorchSharp finds no CUDA device on this machine (only the CPU backend is installed); use --device cpu");
            return new torch.Device(normalized);
        }
        throw new NeuroException($"--device {name}: expected cpu, cuda, cuda:N or auto");
    }
}
