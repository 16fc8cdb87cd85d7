using System.Text.Json.Serialization;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;

namespace Neuro.Models.Supernet;

/// <summary>
/// The choices of an Auto-Spikformer-style search space. Weight choices (embed dim, depth, MLP ratio, heads) pick the
/// leading part of the supernet's weights; SNN choices (threshold, τ, time steps) have no weights and are sampled per
/// training step (the "alternate choice" method). Everything else (input, classes, SPS pools, attention order,
/// scale and threshold, biases, the SPS neuron) comes from <see cref="Template"/>.
/// </summary>
/// <param name="Template">The fixed parts of every subnet; its own sizes are ignored.</param>
/// <param name="EmbedDims">Embedding dims C (multiples of 8, divisible by every head choice).</param>
/// <param name="Depths">Numbers of blocks.</param>
/// <param name="MlpRatios">MLP hidden width as a multiple of C, per block.</param>
/// <param name="Heads">Attention heads, per block.</param>
/// <param name="Thresholds">LIF thresholds V_th, per block (the attention LIF keeps the template's).</param>
/// <param name="Taus">LIF time constants τ, per block.</param>
/// <param name="TimeSteps">Time steps T (the data are framed once per choice).</param>
public sealed record SupernetSpace(
    ArchitectureConfig Template,
    IReadOnlyList<int> EmbedDims,
    IReadOnlyList<int> Depths,
    IReadOnlyList<double> MlpRatios,
    IReadOnlyList<int> Heads,
    IReadOnlyList<double> Thresholds,
    IReadOnlyList<double> Taus,
    IReadOnlyList<int> TimeSteps)
{
    /// <summary>
    /// A microcontroller-sized space on DVS128 Gesture downsampled to 32×32 (binary events, two max-pools: 64 tokens):
    /// embed 16–64 step 16, depth 1–2, MLP ratio 1–4, heads 1/2/4, threshold 0.6–2.0, τ 1.25–4, T 4–8.
    /// </summary>
    public static SupernetSpace MicrocontrollerDefault { get; } = new(
        Presets.Get(Presets.MicrocontrollerName) with { Name = "supernet" },
        EmbedDims: [16, 32, 48, 64],
        Depths: [1, 2],
        MlpRatios: [1, 2, 3, 4],
        Heads: [1, 2, 4],
        Thresholds: [0.6, 0.8, 1.0, 1.5, 2.0],
        Taus: [1.25, 1.5, 2.0, 3.0, 4.0],
        TimeSteps: [4, 6, 8]);

    /// <summary>The config the supernet's weights are built for: the largest weight choices, default neurons, the largest T.</summary>
    [JsonIgnore]
    public ArchitectureConfig Largest =>
        Subnet("largest", EmbedDims.Max(), TimeSteps.Max(),
            Enumerable.Repeat(new BlockConfig(MlpRatios.Max(), Heads.Max(), LifParameters.Default), Depths.Max()).ToArray());

    /// <summary>The smallest weight choices and the smallest T (the lower end of sandwich training).</summary>
    [JsonIgnore]
    public ArchitectureConfig Smallest =>
        Subnet("smallest", EmbedDims.Min(), TimeSteps.Min(),
            Enumerable.Repeat(new BlockConfig(MlpRatios.Min(), Heads.Min(), LifParameters.Default), Depths.Min()).ToArray());

    /// <summary>A subnet drawn uniformly: each choice independently, per block for MLP ratio, heads, threshold and τ.</summary>
    public ArchitectureConfig Sample(Random random)
    {
        T Pick<T>(IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
        int embed = Pick(EmbedDims), depth = Pick(Depths), steps = Pick(TimeSteps);
        var blocks = new BlockConfig[depth];
        for (int index = 0; index < depth; index++)
            blocks[index] = new BlockConfig(Pick(MlpRatios), Pick(Heads), new LifParameters(Pick(Thresholds), Pick(Taus)));
        return Subnet("sampled", embed, steps, blocks);
    }

    /// <summary>A subnet of this space with a readable name (e.g. <c>e32-d1-T6</c>).</summary>
    /// <exception cref="NeuroException">A choice lies outside the space or the result is not a valid config.</exception>
    public ArchitectureConfig Subnet(string name, int embedDim, int timeSteps, IReadOnlyList<BlockConfig> blocks)
    {
        Require(EmbedDims.Contains(embedDim), $"embed dim {embedDim}", EmbedDims);
        Require(TimeSteps.Contains(timeSteps), $"T {timeSteps}", TimeSteps);
        Require(Depths.Contains(blocks.Count), $"depth {blocks.Count}", Depths);
        foreach (var block in blocks)
        {
            Require(MlpRatios.Contains(block.MlpRatio), $"MLP ratio {block.MlpRatio}", MlpRatios);
            Require(Heads.Contains(block.Heads), $"heads {block.Heads}", Heads);
        }
        var config = Template with
        {
            Name = $"{name}-e{embedDim}-d{blocks.Count}-T{timeSteps}",
            EmbedDim = embedDim,
            TimeSteps = timeSteps,
            Blocks = blocks.ToArray(),
        };
        return ArchitectureValidator.EnsureValid(config, $"subnet {config.Name}");
    }

    private static void Require<T>(bool condition, string what, IReadOnlyList<T> choices)
    {
        if (!condition)
            throw new NeuroException($"{what} is not a choice of the search space ({string.Join(", ", choices)})");
    }
}
