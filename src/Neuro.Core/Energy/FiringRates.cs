using System.Text.Json;
using Neuro.Core.Errors;

namespace Neuro.Core.Energy;

/// <summary>
/// Measured activity per layer: the mean output value per element per time step. For a LIF or max-pool layer that is
/// its firing rate (spikes per neuron per step); for the sensor (<c>input</c>) the mean event count per pixel per step.
/// Keys are layer names of the <see cref="Architecture.LayerTable"/>. Stored as a flat JSON object
/// <c>{"sps.lif0": 0.12, …}</c>.
/// </summary>
public sealed class FiringRates
{
    public FiringRates(IReadOnlyDictionary<string, double> rates)
    {
        foreach (var (layer, rate) in rates)
        {
            if (!double.IsFinite(rate) || rate < 0)
                throw new NeuroException($"firing rate of '{layer}' must be a finite non-negative number, got {rate}");
        }
        Values = new Dictionary<string, double>(rates);
    }

    public IReadOnlyDictionary<string, double> Values { get; }

    public bool TryGet(string layer, out double rate) => Values.TryGetValue(layer, out rate);

    public static FiringRates Load(string path)
    {
        if (!File.Exists(path))
            throw new NeuroException($"firing-rate file {path} does not exist");
        try
        {
            var rates = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path));
            return new FiringRates(rates ?? throw new NeuroException($"{path}: expected a JSON object of layer → rate, got null"));
        }
        catch (JsonException error)
        {
            throw new NeuroException($"{path}: expected a JSON object of layer name → rate ({error.Path}: {error.Message.Split(". ")[0]})");
        }
    }

    public void Save(string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(Values, new JsonSerializerOptions { WriteIndented = true }));
}
