using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Models.Spikformer;
using Neuro.Program;
using Neuro.Search.Constraints;

namespace Neuro.Search.Tests;

[Collection("Sequential")]
public sealed class CompiledFootprintTests
{
    private static ArchitectureConfig Small(int embed) => Presets.Get(Presets.MicrocontrollerName) with
    {
        Name = $"e{embed}",
        Input = new Core.Architecture.InputSpec(2, 128, 128, 8, InputEncoding.EventBinary),
        TimeSteps = 4,
        EmbedDim = embed,
    };

    [Fact]
    public void Search_constrains_with_the_plan_that_compile_and_firmware_check()
    {
        var config = Small(16);
        var footprint = new CompiledFootprintEstimator().Estimate(config);

        using var model = SpikformerModel.Create(config);
        var plan = MemoryPlan.Of(SpikformerCompiler.Compile(model, "candidate").Program);
        Assert.Equal(plan.FlashBytes, footprint.FlashBytes);
        Assert.Equal(plan.ArenaBytes, footprint.PeakSramBytes);
        Assert.Null(footprint.CyclesPerSample);
    }

    [Fact]
    public void A_wider_candidate_needs_more_of_both_memories_and_can_become_infeasible()
    {
        var estimator = new CompiledFootprintEstimator();
        var narrow = estimator.Estimate(Small(16));
        var wide = estimator.Estimate(Small(64));
        Assert.True(wide.FlashBytes > narrow.FlashBytes);
        Assert.True(wide.PeakSramBytes > narrow.PeakSramBytes);

        var tight = BoardCatalog.Load("netduinoplus2") is var board
            ? board with { Sram = board.Sram with { Bytes = board.Reserve.SramBytes + (narrow.PeakSramBytes + wide.PeakSramBytes) / 2 } }
            : null;
        var constraints = new BoardConstraints(tight!, estimator);
        Assert.True(constraints.Check(Small(16)).Feasible);
        Assert.Contains(constraints.Check(Small(64)).Violations, violation => violation.StartsWith("SRAM", StringComparison.Ordinal));
    }
}
