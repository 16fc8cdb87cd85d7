using Neuro.Core.SearchSpaces;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models.Supernet;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

[Collection("Sequential")]
public class SupernetTests
{
    private static Tensor Frames(int timeSteps, int batch) =>
        rand(new long[] { timeSteps, batch, 2, 16, 16 }).lt(0.3).to_type(ScalarType.Float32);

    public static TheoryData<int> Seeds() => new(1, 2, 3, 4);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void An_extracted_subnet_computes_exactly_what_the_supernet_computes_for_it(int seed)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var space = TinyConfigs.Space();
        using var supernet = SpikformerSupernet.Create(space);
        var subnet = space.Sample(new Random(seed));

        // Non-trivial shared BN statistics first, so the copy of running statistics is exercised too.
        supernet.Activate(subnet);
        supernet.RecalibrateBatchNorm([Frames(subnet.TimeSteps, 8), Frames(subnet.TimeSteps, 8)]);
        supernet.Model.eval();
        var frames = Frames(subnet.TimeSteps, 4);
        var expected = supernet.Model.forward(frames);

        using var standalone = supernet.ExtractSubnet(subnet);
        standalone.eval();
        Assert.Equal(LayerTable.From(subnet).TotalParameters, standalone.parameters().Sum(p => p.numel()));
        Assert.True(expected.allclose(standalone.forward(frames), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void The_largest_subnet_is_the_whole_supernet_and_the_smallest_uses_a_corner_of_it()
    {
        var space = TinyConfigs.Space();
        Assert.Equal(32, space.Largest.EmbedDim);
        Assert.Equal(2, space.Largest.Depth);
        Assert.Equal(16, space.Smallest.EmbedDim);
        Assert.Equal(1, space.Smallest.Depth);
        using var supernet = SpikformerSupernet.Create(space);
        Assert.Equal(LayerTable.From(space.Largest).TotalParameters, supernet.Model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void A_subnet_outside_the_space_is_refused_by_name()
    {
        var space = TinyConfigs.Space();
        using var supernet = SpikformerSupernet.Create(space);
        var wide = space.Largest with { EmbedDim = 64, Blocks = [new BlockConfig(1, 1, LifParameters.Default)] };
        var error = Assert.Throws<NeuroException>(() => supernet.Activate(wide));
        Assert.Contains("embed dim 64 > 32", error.Message);
        Assert.Throws<NeuroException>(() => space.Subnet("x", 24, 2, [new BlockConfig(1, 1, LifParameters.Default)]));
    }

    [Fact]
    public void The_default_space_spans_the_microcontroller_choices()
    {
        var space = SearchSpace.MicrocontrollerDefault;
        Assert.Equal(64, space.Largest.EmbedDim);
        Assert.Equal(32, space.Largest.Input.ModelHeight);
        var random = new Random(7);
        for (int draw = 0; draw < 50; draw++)
            Assert.Empty(ArchitectureValidator.Validate(space.Sample(random)));
    }
}
