using Neuro.Core.Energy;
using static TorchSharp.torch;

namespace Neuro.Models.Neurons;

/// <summary>
/// Accumulates, per layer, the sum of output values and the number of elements over time steps and samples, so the
/// mean output value per element per step (<see cref="FiringRates"/>) comes out exact however the data were batched.
/// </summary>
public sealed class ActivityRecorder
{
    private readonly Dictionary<string, (double Sum, long Elements)> _tallies = new(StringComparer.Ordinal);

    /// <summary>Adds one output tensor of <paramref name="layer"/> (all its elements count equally).</summary>
    public void Add(string layer, Tensor output)
    {
        double sum;
        using (no_grad())
        using (var total = output.sum(type: ScalarType.Float64))
            sum = total.item<double>();
        _tallies.TryGetValue(layer, out var tally);
        _tallies[layer] = (tally.Sum + sum, tally.Elements + output.numel());
    }

    /// <summary>The mean output per element per step of every recorded layer.</summary>
    public FiringRates ToFiringRates() =>
        new(_tallies.ToDictionary(pair => pair.Key, pair => pair.Value.Elements == 0 ? 0 : pair.Value.Sum / pair.Value.Elements));
}
