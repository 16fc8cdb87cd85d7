using Neuro.Core.Architecture;
using Neuro.Core.Errors;

namespace Neuro.Core.Energy;

/// <summary>How a layer's synaptic work is charged.</summary>
public enum OperationKind
{
    /// <summary>Multiply-accumulate on real (multi-bit) inputs: E_MAC per dense MAC.</summary>
    Mac,

    /// <summary>Accumulate per input event: E_AC per synaptic operation (SOP).</summary>
    Ac,
}

/// <summary>Energy of one layer of one sample.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Operation">MAC or AC.</param>
/// <param name="InputRate">Mean input value per element per step that drives the layer (null for MAC layers).</param>
/// <param name="Operations">MACs per sample (MAC layers) or SOPs per sample = rate · steps · FLOPs (AC layers).</param>
/// <param name="Picojoules">Energy per sample in pJ.</param>
public sealed record LayerEnergy(string Layer, OperationKind Operation, double? InputRate, double Operations, double Picojoules);

/// <summary>Energy of one sample, per layer and in total.</summary>
public sealed record EnergyEstimate(IReadOnlyList<LayerEnergy> Layers, double MacOperations, double SynapticOperations, double TotalPicojoules)
{
    public double TotalMillijoules => TotalPicojoules * 1e-9;
}

/// <summary>
/// The seeds' energy model (Spikformer, AutoST, Auto-Spikformer):
/// E = E_MAC · MACs(non-spiking layers) + E_AC · Σ_l SOPs_l, SOPs_l = fr_l · T · FLOPs_l, with E_MAC = 4.6 pJ and
/// E_AC = 0.9 pJ (45 nm, 32-bit float; Horowitz, ISSCC 2014).
/// <list type="bullet">
/// <item>A layer is charged MACs when its input is real-valued or multi-bit event counts (the first conv of a static
/// image or a count-framed DVS input, the head after the mean); every other synaptic layer is charged SOPs.</item>
/// <item>fr_l is the mean input value per element per step, so a residual sum of value 2 counts as two spikes arriving.
/// The input of a residual add's consumer is the sum of the add's sources' rates.</item>
/// <item>Attention products are driven by their first source: Q for Q·Kᵀ (each Q spike adds a K row of N
/// coincidences), V for (QKᵀ)·V, K for Kᵀ·V, Q for Q·(KᵀV). FLOPs_l = N²·C or N·C·d per step accordingly.</item>
/// <item>The head's mean over tokens is charged as accumulations driven by the last residual sum.</item>
/// </list>
/// </summary>
public static class EnergyModel
{
    public static EnergyEstimate Estimate(LayerTable table, FiringRates rates, CostTable? costs = null)
    {
        costs ??= CostTable.Horowitz45nm;
        double eMac = costs[CostTable.Keys.Mac], eAc = costs[CostTable.Keys.Ac];
        var lines = new List<LayerEnergy>();
        double macs = 0, sops = 0;
        foreach (var layer in table.Layers.Where(layer => layer.HasSynapses))
        {
            if (IsMacLayer(layer))
            {
                double operations = layer.MacsPerSample;
                macs += operations;
                lines.Add(new LayerEnergy(layer.Name, OperationKind.Mac, null, operations, operations * eMac));
            }
            else
            {
                double rate = InputRate(table, rates, layer);
                double operations = SynapticOperations(rate, layer.StepsPerSample, layer.MacsPerStep);
                sops += operations;
                lines.Add(new LayerEnergy(layer.Name, OperationKind.Ac, rate, operations, operations * eAc));
            }
        }
        return new EnergyEstimate(lines, macs, sops, macs * eMac + sops * eAc);
    }

    /// <summary>SOPs_l = fr_l · T · FLOPs_l.</summary>
    public static double SynapticOperations(double firingRate, int timeSteps, long flopsPerStep) =>
        firingRate * timeSteps * flopsPerStep;

    /// <summary>True when the layer's inputs are multi-bit values that need multiplies.</summary>
    public static bool IsMacLayer(LayerInfo layer) =>
        layer.InputKind == ValueKind.Real || (layer.InputKind == ValueKind.Integer && layer.MaxInputValue is null);

    /// <summary>The mean input value per element per step that drives <paramref name="layer"/>.</summary>
    /// <exception cref="NeuroException">A rate it needs is missing from <paramref name="rates"/>.</exception>
    public static double InputRate(LayerTable table, FiringRates rates, LayerInfo layer) =>
        OutputRate(table, rates, layer.Sources[0], layer.Name);

    private static double OutputRate(LayerTable table, FiringRates rates, string source, string consumer)
    {
        if (rates.TryGet(source, out double rate))
            return rate;
        if (table.TryGet(source, out var producer) && producer.Kind == LayerKind.Add)
            return producer.Sources.Sum(inner => OutputRate(table, rates, inner, consumer));
        throw new NeuroException($"firing rates lack '{source}', which drives '{consumer}'");
    }
}
