using Neuro.Core.SearchSpaces;

namespace Neuro.Search.Candidates;

/// <summary>
/// Sampling, mutation and crossover over a <see cref="SearchSpace"/>. Every gene a child gets is either a choice of the
/// space or a parent's gene, so children never leave the space.
/// </summary>
public sealed class GeneticOperators(SearchSpace space)
{
    public SearchSpace Space { get; } = space;

    /// <summary>Each gene drawn uniformly and independently (per block for the block genes).</summary>
    public Candidate Sample(Random random)
    {
        int depth = Pick(random, Space.Depths);
        return new Candidate(Pick(random, Space.DownsampleChoices), Pick(random, Space.EmbedDims), Pick(random, Space.TimeSteps),
            Enumerable.Range(0, depth).Select(_ => SampleBlock(random)).ToArray());
    }

    /// <summary>
    /// AutoFormer/Auto-Spikformer mutation: with <paramref name="depthProbability"/> the depth is redrawn (new blocks
    /// drawn at random, surplus ones dropped); then every other gene (downsample, embed dim, T, and each block's MLP
    /// ratio, heads, threshold and τ) is redrawn independently with <paramref name="geneProbability"/>.
    /// </summary>
    public Candidate Mutate(Candidate parent, double depthProbability, double geneProbability, Random random)
    {
        var blocks = parent.Blocks.ToList();
        if (random.NextDouble() < depthProbability)
        {
            int depth = Pick(random, Space.Depths);
            while (blocks.Count < depth)
                blocks.Add(SampleBlock(random));
            blocks.RemoveRange(depth, blocks.Count - depth);
        }
        T Maybe<T>(T gene, IReadOnlyList<T> choices) => random.NextDouble() < geneProbability ? Pick(random, choices) : gene;
        int downsample = Maybe(parent.Downsample, Space.DownsampleChoices);
        int embed = Maybe(parent.EmbedDim, Space.EmbedDims);
        int steps = Maybe(parent.TimeSteps, Space.TimeSteps);
        var mutated = blocks.Select(block => new BlockGenes(
            Maybe(block.MlpRatio, Space.MlpRatios), Maybe(block.Heads, Space.Heads),
            Maybe(block.Threshold, Space.Thresholds), Maybe(block.Tau, Space.Taus))).ToArray();
        return new Candidate(downsample, embed, steps, mutated);
    }

    /// <summary>
    /// Uniform crossover: the depth comes from one parent chosen at random; every global gene and every gene of block
    /// i comes from either parent with equal probability (from the parent that has block i when only one does).
    /// </summary>
    public static Candidate Crossover(Candidate first, Candidate second, Random random)
    {
        T Either<T>(T a, T b) => random.Next(2) == 0 ? a : b;
        int depth = Either(first.Depth, second.Depth);
        var blocks = new BlockGenes[depth];
        for (int index = 0; index < depth; index++)
        {
            if (index < first.Depth && index < second.Depth)
            {
                BlockGenes a = first.Blocks[index], b = second.Blocks[index];
                blocks[index] = new BlockGenes(Either(a.MlpRatio, b.MlpRatio), Either(a.Heads, b.Heads),
                    Either(a.Threshold, b.Threshold), Either(a.Tau, b.Tau));
            }
            else
            {
                blocks[index] = index < first.Depth ? first.Blocks[index] : second.Blocks[index];
            }
        }
        return new Candidate(Either(first.Downsample, second.Downsample), Either(first.EmbedDim, second.EmbedDim),
            Either(first.TimeSteps, second.TimeSteps), blocks);
    }

    private BlockGenes SampleBlock(Random random) =>
        new(Pick(random, Space.MlpRatios), Pick(random, Space.Heads), Pick(random, Space.Thresholds), Pick(random, Space.Taus));

    private static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
}
