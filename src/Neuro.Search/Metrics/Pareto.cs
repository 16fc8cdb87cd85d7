namespace Neuro.Search.Metrics;

/// <summary>A point of the accuracy–energy plane: higher score is better, lower energy is better.</summary>
public readonly record struct ObjectivePoint(double Score, double Energy);

/// <summary>Pareto fronts and hypervolume for two objectives (maximise score, minimise energy).</summary>
public static class Pareto
{
    /// <summary>True when <paramref name="a"/> is at least as good in both objectives and better in one.</summary>
    public static bool Dominates(ObjectivePoint a, ObjectivePoint b) =>
        a.Score >= b.Score && a.Energy <= b.Energy && (a.Score > b.Score || a.Energy < b.Energy);

    /// <summary>Indices of the non-dominated points, by increasing energy; duplicates keep their first index.</summary>
    public static IReadOnlyList<int> Front(IReadOnlyList<ObjectivePoint> points)
    {
        var order = Enumerable.Range(0, points.Count)
            .OrderBy(i => points[i].Energy).ThenByDescending(i => points[i].Score).ThenBy(i => i).ToArray();
        var front = new List<int>();
        double best = double.NegativeInfinity;
        foreach (int i in order)
        {
            // Sorted by energy, then score: a point is on the front exactly when it beats every cheaper point's score.
            if (points[i].Score > best)
            {
                front.Add(i);
                best = points[i].Score;
            }
        }
        return front;
    }

    /// <summary>
    /// The area dominated by <paramref name="points"/> and bounded by <paramref name="reference"/> (a worst-case corner:
    /// lowest score, highest energy). Points not strictly better than the reference in both objectives add nothing.
    /// </summary>
    public static double Hypervolume(IReadOnlyList<ObjectivePoint> points, ObjectivePoint reference)
    {
        var inside = points.Where(point => point.Score > reference.Score && point.Energy < reference.Energy).ToArray();
        double area = 0, previousScore = reference.Score;
        // The front by increasing energy has increasing score: each point adds the strip between the previous point's
        // score and its own, from its energy up to the reference energy.
        foreach (int i in Front(inside))
        {
            area += (inside[i].Score - previousScore) * (reference.Energy - inside[i].Energy);
            previousScore = inside[i].Score;
        }
        return area;
    }
}
