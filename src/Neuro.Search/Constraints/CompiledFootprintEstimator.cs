using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using Neuro.Program;

namespace Neuro.Search.Constraints;

/// <summary>
/// A candidate's board figures from the compiler's memory plan: the candidate is built with fresh weights, compiled
/// to a spike program and planned (the plan's sizes depend on shapes only, never on weight values), so search
/// constrains exactly what <c>neuro compile</c> and <c>neuro firmware</c> would later refuse or accept. Cycles need
/// the simulator or a board, so this estimator gives none.
/// </summary>
public sealed class CompiledFootprintEstimator : IFootprintEstimator
{
    public string Name => "compiler";

    public Footprint Estimate(ArchitectureConfig config)
    {
        using var model = SpikformerModel.Create(config);
        model.eval();
        var compiled = SpikformerCompiler.Compile(model, programName: "candidate");
        var plan = MemoryPlan.Of(compiled.Program);
        return new Footprint(plan.FlashBytes, plan.ArenaBytes, null);
    }
}
