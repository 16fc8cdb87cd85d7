using Neuro.Search.Evaluation;
using Neuro.Search.Metrics;
using Neuro.Search.Outputs;

namespace Neuro.Search.Tests;

public class MetricTests
{
    [Fact]
    public void Fitness_normalises_accuracy_and_energy_over_the_reference_set()
    {
        // Accuracies 0.5–0.9 and energies 100–300 pJ: min-max puts (0.8, 150) at 0.75 and 0.25.
        (double, double)[] reference = [(0.5, 100), (0.9, 300), (0.8, 150)];
        var fitness = new Fitness(0.5, reference);
        Assert.Equal(0.5 * 0.75 + 0.5 * 0.75, fitness.Of(0.8, 150), 12);
        Assert.Equal(0.5, fitness.Of(0.5, 100), 12);
        Assert.Equal(0.5, fitness.Of(0.9, 300), 12);
        Assert.Equal(0.75, new Fitness(1, reference).Of(0.8, 150), 12);
        Assert.Equal(0.75, new Fitness(0, reference).Of(0.8, 150), 12);
    }

    [Fact]
    public void A_constant_objective_contributes_nothing()
    {
        var fitness = new Fitness(0.5, [(0.7, 100), (0.7, 200)]);
        Assert.Equal(0.5, fitness.Of(0.7, 100), 12);
        Assert.Equal(0, fitness.Of(0.7, 200), 12);
    }

    [Fact]
    public void The_front_keeps_exactly_the_non_dominated_points()
    {
        ObjectivePoint[] points = [new(0.9, 300), new(0.8, 150), new(0.7, 200), new(0.5, 100), new(0.5, 120), new(0.95, 300)];
        Assert.Equal([3, 1, 5], Pareto.Front(points));
    }

    [Fact]
    public void Hypervolume_of_hand_made_points_is_the_union_of_their_boxes()
    {
        // Reference (0, 10): boxes 0.5×(10−2) = 4, then (0.8−0.5)×(10−5) = 1.5, then (1.0−0.8)×(10−8) = 0.4.
        ObjectivePoint[] front = [new(0.5, 2), new(0.8, 5), new(1.0, 8)];
        Assert.Equal(5.9, Pareto.Hypervolume(front, new ObjectivePoint(0, 10)), 12);
        // Dominated and outside points add nothing.
        ObjectivePoint[] more = [.. front, new(0.4, 3), new(0.9, 11)];
        Assert.Equal(5.9, Pareto.Hypervolume(more, new ObjectivePoint(0, 10)), 12);
        Assert.Equal(0, Pareto.Hypervolume([], new ObjectivePoint(0, 10)));
    }

    [Fact]
    public void Kendall_tau_b_matches_hand_counts()
    {
        Assert.Equal(1.0, KendallTau.TauB([1, 2, 3], [10, 20, 30]));
        Assert.Equal(-1.0, KendallTau.TauB([1, 2, 3], [3, 2, 1]));
        // x = 1,2,3,4 and y = 1,3,2,4: 5 concordant, 1 discordant pair → 4/6.
        Assert.Equal(4.0 / 6, KendallTau.TauB([1, 2, 3, 4], [1, 3, 2, 4])!.Value, 12);
        // A tie in y: pairs (C, D, tiesY) = (2, 0, 1) → 2 / sqrt(3·2).
        Assert.Equal(2 / Math.Sqrt(6), KendallTau.TauB([1, 2, 3], [1, 2, 2])!.Value, 12);
        Assert.Null(KendallTau.TauB([1, 1], [1, 2]));
    }

    [Fact]
    public void Normalised_hypervolume_measures_every_run_in_the_box_of_the_union()
    {
        // Scores 0.1–0.9 over the union (range 0.8), largest energy 300: A becomes (0.5, 1/3) and (1.0, 1.0), B becomes
        // (0.75, 1/3) and (0, 1/6); reference (0, 1.1). A: 0.5·(1.1 − 1/3) + 0.5·(1.1 − 1) = 0.4333…; B: 0.75·(1.1 − 1/3) = 0.575.
        CandidateEvaluation[] a = [Evaluation(0.5, 100), Evaluation(0.9, 300)], b = [Evaluation(0.7, 100), Evaluation(0.1, 50)];
        CandidateEvaluation[] union = [.. a, .. b];
        Assert.Equal(0.5 * (1.1 - 1.0 / 3) + 0.5 * 0.1, SearchOutputs.NormalisedHypervolume(a, union), 9);
        Assert.Equal(0.75 * (1.1 - 1.0 / 3), SearchOutputs.NormalisedHypervolume(b, union), 9);
        // In its own box A would score 1.0·(1.1 − 1): comparing runs normalised separately would be meaningless.
        Assert.Equal(0.1, SearchOutputs.NormalisedHypervolume(a, a), 9);
    }

    private static CandidateEvaluation Evaluation(double accuracy, double energy) =>
        new(accuracy, null, energy, EnergyMode.PaperMeasured, 1000, 0.01);
}
