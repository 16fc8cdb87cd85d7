using Neuro.Core.Architecture;

namespace Neuro.Search.Constraints;

/// <summary>
/// A stand-in for the compiler's memory plan, from the layer table alone:
/// <list type="bullet">
/// <item>flash = 1 byte per weight (int8) + 4 bytes per output channel of every conv/linear (int32 bias or folded BN
/// shift) + 4 bytes per LIF channel (threshold);</item>
/// <item>peak SRAM = 2 bytes per LIF neuron (int16 membrane, kept across steps) + the largest (input + output) of any
/// layer, since a layer's input and output are live together: 1 byte per element of spikes, pooled spikes, residual
/// sums and event counts, 4 bytes per element of real values and of conv/linear/BN/attention/mean outputs (int32
/// accumulators).</item>
/// </list>
/// No cycles: a latency budget needs the simulator's or a board's figures.
/// </summary>
public sealed class AnalyticFootprintEstimator : IFootprintEstimator
{
    public string Name => "analytic-int8";

    public Footprint Estimate(ArchitectureConfig config)
    {
        var table = LayerTable.From(config);
        long flash = 0, membranes = 0, buffers = 0;
        foreach (var layer in table.Layers)
        {
            if (layer.Kind is LayerKind.Conv2d or LayerKind.Linear)
                flash += layer.Parameters + 4L * Channels(layer.OutputShape);
            if (layer.Kind == LayerKind.Lif)
            {
                flash += 4L * Channels(layer.OutputShape);
                membranes += 2L * layer.Neurons;
            }
            long inputBytes = layer.InputKind == ValueKind.Real ? 4 : 1;
            long outputBytes = layer.Kind is LayerKind.Lif or LayerKind.MaxPool or LayerKind.Add ? 1 : 4;
            buffers = Math.Max(buffers, inputBytes * Elements(layer.InputShape) + outputBytes * Elements(layer.OutputShape));
        }
        return new Footprint(flash, membranes + buffers, null);
    }

    private static long Elements(IReadOnlyList<int> shape) => shape.Aggregate(1L, (product, size) => product * size);

    private static long Channels(IReadOnlyList<int> shape) => shape.Count == 0 ? 1 : shape[0];
}
