namespace Neuro.Search.Metrics;

/// <summary>
/// The seeds' balanced fitness: F = α·minmax(score) + (1 − α)·(1 − minmax(energy)), where score is accuracy (or the
/// training-free proxy) and minmax(x) = (x − min) / (max − min) over a reference set of evaluated, feasible candidates
/// (search uses every feasible candidate evaluated so far, including the current generation). When max = min the
/// term is 0 for everyone, so it does not reorder candidates.
/// </summary>
public sealed class Fitness
{
    private readonly double _alpha, _scoreMin, _scoreMax, _energyMin, _energyMax;

    /// <param name="alpha">Weight of the score in [0, 1] (0.5 by default: balanced).</param>
    /// <param name="reference">(score, energy) of the candidates min and max are taken over; at least one.</param>
    public Fitness(double alpha, IReadOnlyCollection<(double Score, double Energy)> reference)
    {
        if (!(alpha is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in [0, 1]");
        if (reference.Count == 0)
            throw new ArgumentException("fitness needs at least one reference candidate", nameof(reference));
        _alpha = alpha;
        _scoreMin = reference.Min(point => point.Score);
        _scoreMax = reference.Max(point => point.Score);
        _energyMin = reference.Min(point => point.Energy);
        _energyMax = reference.Max(point => point.Energy);
    }

    public double Of(double score, double energy) =>
        _alpha * MinMax(score, _scoreMin, _scoreMax) + (1 - _alpha) * (1 - MinMax(energy, _energyMin, _energyMax));

    /// <summary>(x − min) / (max − min), or 0 when max = min.</summary>
    public static double MinMax(double value, double min, double max) => max > min ? (value - min) / (max - min) : 0;
}
