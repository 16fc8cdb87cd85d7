using Neuro.Core.SearchSpaces;
using Neuro.Core.Architecture;
using Neuro.Models.Supernet;

namespace Neuro.Models.Tests;

/// <summary>Configs small enough that a forward and backward pass takes milliseconds on one core.</summary>
internal static class TinyConfigs
{
    public static ArchitectureConfig Dvs(int embedDim = 16, int depth = 1, int heads = 2, int timeSteps = 3, int classes = 3,
        AttentionOrder order = AttentionOrder.QKFirst) =>
        ArchitectureConfig.Uniform("tiny", new InputSpec(2, 32, 32, 2, InputEncoding.EventBinary), timeSteps, embedDim, depth,
            heads, mlpRatio: 2, classes, maxPoolAfter: [true, true, false, false]) with
        {
            AttentionScale = 0.25,
            AttentionOrder = order,
            Bias = new BiasPlacement(Qkv: false),
        };

    public static SearchSpace Space() => new(
        Dvs() with { Name = "tiny-space" },
        EmbedDims: [16, 32],
        Depths: [1, 2],
        MlpRatios: [1, 2],
        Heads: [1, 2, 4],
        Thresholds: [0.6, 1.0],
        Taus: [1.5, 2.0],
        TimeSteps: [2, 3]);
}
