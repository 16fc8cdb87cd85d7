using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using Neuro.Models.Supernet;
using Neuro.Search.Evaluation;
using static TorchSharp.torch;

namespace Neuro.Search.InTheLoop;

/// <summary>Where the weights of a candidate's compiled program come from.</summary>
public interface ICandidateModels
{
    /// <summary>Short name written in outputs (<c>seeded</c>, <c>supernet</c>).</summary>
    string Name { get; }

    /// <summary>True when the weights are trained (inherited), so accuracy on the samples means something.</summary>
    bool Trained { get; }

    /// <summary>A model of <paramref name="config"/> in eval mode, owned by the caller. Must be deterministic.</summary>
    SpikformerModel Create(ArchitectureConfig config);
}

/// <summary>
/// Random initialisation seeded exactly as <see cref="TrainingFreeEvaluator"/> seeds it (seed mixed with the candidate
/// key), so the program compiled here is the network whose firing the AutoST energy describes, with BN at its initial
/// running statistics (mean 0, variance 1) folded in, as eval mode defines it.
/// </summary>
public sealed class SeededModels(int seed) : ICandidateModels
{
    public string Name => "seeded";

    public bool Trained => false;

    public SpikformerModel Create(ArchitectureConfig config)
    {
        manual_seed(TrainingFreeEvaluator.StableSeed(seed, config.Name));
        var model = SpikformerModel.Create(config);
        model.eval();
        return model;
    }
}

/// <summary>
/// Weights and BN statistics inherited from a trained supernet (<see cref="SpikformerSupernet.ExtractSubnet"/>), with
/// the supernet's running BN statistics (not recalibrated per subnet, unlike <see cref="SupernetEvaluator"/>).
/// </summary>
public sealed class InheritedModels(SpikformerSupernet supernet) : ICandidateModels
{
    public string Name => "supernet";

    public bool Trained => true;

    public SpikformerModel Create(ArchitectureConfig config)
    {
        var model = supernet.ExtractSubnet(config);
        model.eval();
        return model;
    }
}
