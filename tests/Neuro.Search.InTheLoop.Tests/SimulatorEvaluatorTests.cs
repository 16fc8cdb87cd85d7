using Neuro.Core.Boards;
using Neuro.Search.Candidates;
using Neuro.Sim.Audit;
using Neuro.Sim.Hardware;
using SearchEnergy = Neuro.Search.Evaluation.EnergyMode;

namespace Neuro.Search.InTheLoop.Tests;

public sealed class SimulatorEvaluatorTests
{
    private static readonly BoardDescriptor Host = BoardCatalog.Load("host");

    [Theory]
    [InlineData(EnergyMode.Paper)]
    [InlineData(EnergyMode.Full)]
    public void Simulator_evaluation_is_deterministic_and_equals_running_the_compiled_program_in_the_simulator(EnergyMode mode)
    {
        var space = TinySpace.Space;
        var config = Candidate.FromConfig(space.Template) is var template && template.IsIn(space)
            ? template.ToConfig(space)
            : GeneticOperatorsSample(space);
        var samples = new ProgramSampleSet(RandomFrames.Source(count: 6, seed: 3), count: 2);
        var evaluator = new SimulatorEvaluator(new SeededModels(5), samples, Host, mode);

        var first = evaluator.Evaluate(config, CancellationToken.None);
        var second = new SimulatorEvaluator(new SeededModels(5), new ProgramSampleSet(RandomFrames.Source(6, 3), 2), Host, mode)
            .Evaluate(config, CancellationToken.None);

        Assert.Null(first.Failed);
        Assert.Equal(SearchEnergy.Simulator, first.Energy);
        Assert.Equal(first with { Seconds = 0 }, second with { Seconds = 0 });

        var program = CandidateProgram.Compile(config, new SeededModels(5), Host);
        var (bytes, labels) = samples.For(config, program.Program.Program.Input);
        Assert.Equal(2, bytes.Count);
        var direct = new Auditor(program.Program, HardwareModel.Shipped()).Run(bytes, labels, mode);
        Assert.Equal(direct.EnergyPicojoules, first.EnergyPicojoules);
        Assert.Equal(direct.Cycles, first.Cycles);
        Assert.Equal(direct.LatencySeconds, first.LatencySeconds);
        Assert.True(first.Cycles > 0);
    }

    [Fact]
    public void Another_seed_compiles_another_program()
    {
        var config = GeneticOperatorsSample(TinySpace.Space);
        var a = CandidateProgram.Compile(config, new SeededModels(1), Host);
        var b = CandidateProgram.Compile(config, new SeededModels(2), Host);
        Assert.NotEqual(a.File, b.File);
        Assert.Equal(a.File, CandidateProgram.Compile(config, new SeededModels(1), Host).File);
    }

    private static Neuro.Core.Architecture.ArchitectureConfig GeneticOperatorsSample(Neuro.Core.SearchSpaces.SearchSpace space) =>
        new GeneticOperators(space).Sample(new Random(0)).ToConfig(space);
}
