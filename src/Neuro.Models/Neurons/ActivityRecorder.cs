using Neuro.Core.Energy;
using static TorchSharp.torch;

namespace Neuro.Models.Neurons;

/// <summary>
/// Accumulates, per layer, the sum of output values and the number of elements over time steps and samples, so the
/// mean output value per element per step (<see cref="FiringRates"/>) comes out exact however the data were batched.
/// </summary>
public sealed class ActivityRecorder
{
    /// <summary>2²⁴: every integer up to it is a single-precision float.</summary>
    private const long ExactSingleSumElements = 1L << 24;

    private readonly Dictionary<string, (double Sum, long Elements)> _tallies = new(StringComparer.Ordinal);

    /// <summary>Adds one output tensor of <paramref name="layer"/> (all its elements count equally).</summary>
    public void Add(string layer, Tensor output)
    {
        double sum;
        using (no_grad())
        using (var total = output.sum(type: ScalarType.Float64))
            sum = total.item<double>();
        Tally(layer, sum, output.numel());
    }

    /// <summary>
    /// Adds an output of <paramref name="layer"/> whose elements are all 0 or 1. Its sum is the count of ones, an integer
    /// no larger than the element count, so up to 2²⁴ elements a single-precision sum is exact (every partial sum is an
    /// integer a float holds) and spares the double-precision copy a general sum needs.
    /// </summary>
    public void AddSpikes(string layer, Tensor spikes)
    {
        long elements = spikes.numel();
        double ones;
        using (no_grad())
        {
            if (elements <= ExactSingleSumElements)
            {
                using var total = spikes.sum(type: ScalarType.Float32);
                ones = total.item<float>();
            }
            else
            {
                using var total = spikes.sum(type: ScalarType.Float64);
                ones = total.item<double>();
            }
        }
        Tally(layer, ones, elements);
    }

    private void Tally(string layer, double sum, long elements)
    {
        _tallies.TryGetValue(layer, out var tally);
        _tallies[layer] = (tally.Sum + sum, tally.Elements + elements);
    }

    /// <summary>The mean output per element per step of every recorded layer.</summary>
    public FiringRates ToFiringRates() =>
        new(_tallies.ToDictionary(pair => pair.Key, pair => pair.Value.Elements == 0 ? 0 : pair.Value.Sum / pair.Value.Elements));
}
