using Neuro.Core.Architecture;

namespace Neuro.Search.Constraints;

/// <summary>What a compiled candidate occupies on a board and, when known, how long one sample takes.</summary>
/// <param name="FlashBytes">The program file in flash (weights, thresholds, tables).</param>
/// <param name="PeakSramBytes">The memory plan's arena: every buffer, persistent neuron state and the event list.</param>
/// <param name="CyclesPerSample">Core cycles per sample (from the simulator's cycle model or a board), or null when unknown.</param>
public sealed record Footprint(long FlashBytes, long PeakSramBytes, long? CyclesPerSample);

/// <summary>
/// Board figures of a candidate: <see cref="CompiledFootprintEstimator"/> gives flash and SRAM from the compiler's memory
/// plan; a simulator- or board-backed estimator adds cycles.
/// </summary>
public interface IFootprintEstimator
{
    /// <summary>Short name written in outputs (e.g. <c>analytic-int8</c>, <c>compiler</c>).</summary>
    string Name { get; }

    Footprint Estimate(ArchitectureConfig config);
}
