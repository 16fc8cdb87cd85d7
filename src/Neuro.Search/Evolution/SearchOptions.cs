using System.Text.Json.Serialization;

namespace Neuro.Search.Evolution;

/// <summary>How candidates are proposed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SearchMethod>))]
public enum SearchMethod
{
    /// <summary>DSPS evolution (Auto-Spikformer on AutoFormer's evolution): mutation and crossover of the best.</summary>
    Evolution,

    /// <summary>Uniform random candidates: the baseline.</summary>
    Random,
}

/// <summary>
/// Evolution settings. The defaults are the Auto-Spikformer paper's: population 50, top 20 as parents, depth-mutation
/// probability Pd = 0.3, gene-mutation probability Pm = 0.4, 20 generations (the paper does not split the 50 children
/// between mutation and crossover; 25 + 25 follows its public code). <see cref="PublicCode"/> gives the public code's
/// variant: top 10 parents, 25 mutations + 25 crossovers, mutation probability 0.2 per gene (<c>m_prob</c>) and depth
/// resample probability 0.4 (<c>s_prob</c>).
/// </summary>
public sealed record SearchOptions
{
    public SearchMethod Method { get; init; } = SearchMethod.Evolution;

    /// <summary>Candidates per generation (the first generation is drawn at random).</summary>
    public int Population { get; init; } = 50;

    /// <summary>The best feasible candidates evaluated so far that mutation and crossover draw parents from.</summary>
    public int Parents { get; init; } = 20;

    /// <summary>Children made by mutation per generation.</summary>
    public int Mutations { get; init; } = 25;

    /// <summary>Children made by crossover per generation; any shortfall up to <see cref="Population"/> is random.</summary>
    public int Crossovers { get; init; } = 25;

    /// <summary>Probability that a mutation redraws the depth (paper Pd = 0.3; code s_prob = 0.4).</summary>
    public double DepthMutationProbability { get; init; } = 0.3;

    /// <summary>Probability that a mutation redraws each other gene (paper Pm = 0.4; code m_prob = 0.2).</summary>
    public double GeneMutationProbability { get; init; } = 0.4;

    public int Generations { get; init; } = 20;

    /// <summary>Weight of accuracy (or proxy) against energy in the fitness.</summary>
    public double Alpha { get; init; } = 0.5;

    public int Seed { get; init; }

    /// <summary>Random search only: stop after this many evaluations (to match an evolution run); null = generations × population.</summary>
    public int? EvaluationBudget { get; init; }

    /// <summary>The public code's variant (AutoFormer/Auto-Spikformer <c>evolution.py</c> defaults).</summary>
    public static SearchOptions PublicCode { get; } = new()
    {
        Parents = 10, Mutations = 25, Crossovers = 25, DepthMutationProbability = 0.4, GeneMutationProbability = 0.2,
    };

    /// <summary>Problems with the settings, one line each naming the setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Population < 1) problems.Add($"population must be at least 1, got {Population}");
        if (Parents < 1) problems.Add($"parents must be at least 1, got {Parents}");
        if (Mutations < 0 || Crossovers < 0) problems.Add("mutations and crossovers must not be negative");
        if (Generations < 1) problems.Add($"generations must be at least 1, got {Generations}");
        if (!(Alpha is >= 0 and <= 1)) problems.Add($"alpha must lie in [0, 1], got {Alpha}");
        if (!(DepthMutationProbability is >= 0 and <= 1)) problems.Add($"depth mutation probability must lie in [0, 1], got {DepthMutationProbability}");
        if (!(GeneMutationProbability is >= 0 and <= 1)) problems.Add($"gene mutation probability must lie in [0, 1], got {GeneMutationProbability}");
        if (EvaluationBudget is < 1) problems.Add($"evaluation budget must be at least 1, got {EvaluationBudget}");
        return problems;
    }
}
