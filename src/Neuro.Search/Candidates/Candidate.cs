using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Neuro.Core.Architecture;
using Neuro.Core.SearchSpaces;

namespace Neuro.Search.Candidates;

/// <summary>The genes of one transformer block: its MLP ratio and heads (weight genes) and its neuron (DSPS genes).</summary>
public sealed record BlockGenes(double MlpRatio, int Heads, double Threshold, double Tau);

/// <summary>
/// A point of a <see cref="SearchSpace"/>: global genes (input downsample, embed dim, T) and one
/// <see cref="BlockGenes"/> per block, so depth is the block count. <see cref="Key"/> identifies it for the cache.
/// </summary>
public sealed record Candidate(int Downsample, int EmbedDim, int TimeSteps, IReadOnlyList<BlockGenes> Blocks)
{
    [JsonIgnore]
    public int Depth => Blocks.Count;

    /// <summary>A stable text key, e.g. <c>d4-e32-T8-[r2,h4,v1,t2]</c>; equal candidates have equal keys.</summary>
    [JsonIgnore]
    public string Key
    {
        get
        {
            var text = new StringBuilder(FormattableString.Invariant($"d{Downsample}-e{EmbedDim}-T{TimeSteps}-"));
            foreach (var block in Blocks)
                text.Append(CultureInfo.InvariantCulture, $"[r{block.MlpRatio:R},h{block.Heads},v{block.Threshold:R},t{block.Tau:R}]");
            return text.ToString();
        }
    }

    public bool Equals(Candidate? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    /// <summary>The architecture of this candidate in <paramref name="space"/> (named by its key).</summary>
    public ArchitectureConfig ToConfig(SearchSpace space) =>
        space.Subnet("cand", EmbedDim, TimeSteps,
            Blocks.Select(block => new BlockConfig(block.MlpRatio, block.Heads, new LifParameters(block.Threshold, block.Tau))).ToArray(),
            Downsample) with { Name = Key };

    /// <summary>The candidate a config is (e.g. a preset placed in a space's coordinates).</summary>
    public static Candidate FromConfig(ArchitectureConfig config) =>
        new(config.Input.Downsample, config.EmbedDim, config.TimeSteps,
            config.Blocks.Select(block => new BlockGenes(block.MlpRatio, block.Heads, block.Lif.Threshold, block.Lif.Tau)).ToArray());

    /// <summary>True when every gene is a choice of <paramref name="space"/>.</summary>
    public bool IsIn(SearchSpace space) =>
        space.DownsampleChoices.Contains(Downsample) && space.EmbedDims.Contains(EmbedDim) && space.TimeSteps.Contains(TimeSteps)
        && space.Depths.Contains(Depth)
        && Blocks.All(block => space.MlpRatios.Contains(block.MlpRatio) && space.Heads.Contains(block.Heads)
                               && space.Thresholds.Contains(block.Threshold) && space.Taus.Contains(block.Tau));
}
