using Neuro.Core.Architecture;

namespace Neuro.Search.Evaluation;

/// <summary>
/// Shares evaluations between searches of one process (the evolution and its random baseline), keyed by the config's
/// name, which for candidates is their key. Each search keeps its own cache in its state as well.
/// </summary>
public sealed class CachedEvaluator(ICandidateEvaluator inner) : ICandidateEvaluator
{
    private readonly Dictionary<string, CandidateEvaluation> _cache = new(StringComparer.Ordinal);

    public string Method => inner.Method;

    /// <summary>Evaluations actually run by the inner evaluator.</summary>
    public int Misses { get; private set; }

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(config.Name, out var cached))
            return cached;
        var evaluation = inner.Evaluate(config, cancellationToken);
        Misses++;
        return _cache[config.Name] = evaluation;
    }
}
