namespace Neuro.Search.Metrics;

/// <summary>Kendall's τ-b between two paired samples (ties in either variable handled as in scipy.stats.kendalltau).</summary>
public static class KendallTau
{
    /// <returns>τ-b in [−1, 1], or null when fewer than two pairs or one variable is constant.</returns>
    public static double? TauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
            throw new ArgumentException($"paired samples differ in length ({x.Count} vs {y.Count})", nameof(y));
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (int i = 0; i < x.Count; i++)
        {
            for (int j = i + 1; j < x.Count; j++)
            {
                int dx = Math.Sign(x[i] - x[j]), dy = Math.Sign(y[i] - y[j]);
                if (dx == 0 && dy == 0)
                    continue;
                if (dx == 0) tiesX++;
                else if (dy == 0) tiesY++;
                else if (dx == dy) concordant++;
                else discordant++;
            }
        }
        double denominator = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denominator > 0 ? (concordant - discordant) / denominator : null;
    }
}
