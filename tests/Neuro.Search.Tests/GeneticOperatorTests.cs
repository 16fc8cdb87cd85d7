using Neuro.Core.Architecture;
using Neuro.Search.Candidates;

namespace Neuro.Search.Tests;

public class GeneticOperatorTests
{
    [Fact]
    public void Mutation_and_crossover_never_leave_the_space()
    {
        var space = TestSpaces.Default;
        var operators = new GeneticOperators(space);
        var random = new Random(3);
        var parents = Enumerable.Range(0, 20).Select(_ => operators.Sample(random)).ToList();
        for (int i = 0; i < 2000; i++)
        {
            var child = i % 2 == 0
                ? operators.Mutate(parents[random.Next(parents.Count)], 0.3, 0.4, random)
                : GeneticOperators.Crossover(parents[random.Next(parents.Count)], parents[random.Next(parents.Count)], random);
            Assert.True(child.IsIn(space), child.Key);
            Assert.Empty(ArchitectureValidator.Validate(child.ToConfig(space)));
            parents[random.Next(parents.Count)] = child;
        }
    }

    [Fact]
    public void Mutation_with_probability_one_changes_per_block_neuron_genes()
    {
        var space = TestSpaces.Default;
        var operators = new GeneticOperators(space);
        var random = new Random(1);
        var parent = operators.Sample(random);
        var thresholds = new HashSet<double>();
        for (int i = 0; i < 50; i++)
            thresholds.UnionWith(operators.Mutate(parent, 0, 1, random).Blocks.Select(block => block.Threshold));
        Assert.True(thresholds.Count > 3);
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(parent, operators.Mutate(parent, 0, 0, random)));
    }

    [Fact]
    public void Crossover_takes_every_gene_from_a_parent()
    {
        var first = new Candidate(4, 16, 4, [new BlockGenes(1, 1, 0.6, 1.25)]);
        var second = new Candidate(8, 128, 16, [new BlockGenes(4, 4, 2.0, 10), new BlockGenes(3, 2, 1.4, 5)]);
        var random = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            var child = GeneticOperators.Crossover(first, second, random);
            Assert.Contains(child.EmbedDim, new[] { 16, 128 });
            Assert.Contains(child.Blocks[0].Threshold, new[] { 0.6, 2.0 });
            if (child.Depth == 2)
                Assert.Equal(second.Blocks[1], child.Blocks[1]);
        }
    }

    [Fact]
    public void The_key_identifies_the_genes()
    {
        var a = new Candidate(4, 32, 8, [new BlockGenes(2, 4, 1.0, 2.0)]);
        Assert.Equal("d4-e32-T8-[r2,h4,v1,t2]", a.Key);
        Assert.Equal(a, a with { Blocks = [new BlockGenes(2, 4, 1.0, 2.0)] });
        Assert.NotEqual(a.Key, (a with { Blocks = [new BlockGenes(2, 4, 1.2, 2.0)] }).Key);
    }
}
