using Neuro.Core.Architecture;

namespace Neuro.Search.Constraints;

/// <summary>What a compiled candidate occupies on a board and, when known, how long one sample takes.</summary>
/// <param name="FlashBytes">Constant data of the program (weights, thresholds, tables) in flash.</param>
/// <param name="PeakSramBytes">The memory plan's peak of live buffers plus persistent neuron state in SRAM.</param>
/// <param name="CyclesPerSample">Core cycles per sample (from the simulator's cycle model or a board), or null when unknown.</param>
public sealed record Footprint(long FlashBytes, long PeakSramBytes, long? CyclesPerSample);

/// <summary>
/// Board figures of a candidate. The compiler (<c>Neuro.Compiler</c>) implements this with its memory plan: flash bytes
/// and peak SRAM bytes of the compiled spike program, and the simulator adds cycles. Until then
/// <see cref="AnalyticFootprintEstimator"/> estimates them from the layer table.
/// </summary>
public interface IFootprintEstimator
{
    /// <summary>Short name written in outputs (e.g. <c>analytic-int8</c>, <c>compiler</c>).</summary>
    string Name { get; }

    Footprint Estimate(ArchitectureConfig config);
}
