using System.Diagnostics;
using Neuro.Core.Errors;
using Neuro.Core.SearchSpaces;
using Neuro.Search.Candidates;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Metrics;

namespace Neuro.Search.Evolution;

/// <summary>Reported after every generation.</summary>
public sealed record GenerationProgress(int Generation, int Generations, int Evaluations, double BestFitness, int FrontSize,
    double EvaluationsPerSecond, TimeSpan Eta);

/// <summary>
/// A resumable search over a <see cref="SearchSpace"/>: DSPS evolution or the random baseline. Generation g draws from
/// its own generator seeded by (seed, g), proposes candidates (g = 0: random; later: mutations and crossovers of the
/// <see cref="SearchOptions.Parents"/> fittest feasible candidates so far, topped up at random), rejects those already
/// seen or infeasible on the board, evaluates the rest (through the cache), and saves the state. Because a generation
/// depends only on the seed and the records of earlier generations, a resumed search repeats exactly what an
/// uninterrupted one does.
/// </summary>
public sealed class ArchitectureSearch
{
    /// <summary>Proposals tried per child wanted before a generation settles for fewer (a small space runs out of unseen candidates).</summary>
    private const int TriesPerChild = 50;

    private readonly SearchSpace _space;
    private readonly GeneticOperators _operators;
    private readonly ICandidateEvaluator _evaluator;
    private readonly BoardConstraints? _constraints;
    private readonly string _directory;
    private readonly List<CandidateRecord> _records;
    private readonly Dictionary<string, CandidateEvaluation> _cache;
    private readonly HashSet<string> _seen;

    private ArchitectureSearch(SearchSpace space, ICandidateEvaluator evaluator, BoardConstraints? constraints, string directory,
        SearchOptions options, int completed, IEnumerable<CandidateRecord> records, IReadOnlyDictionary<string, CandidateEvaluation> cache)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new NeuroException("search options are invalid: " + string.Join("; ", problems));
        _space = space;
        _operators = new GeneticOperators(space);
        _evaluator = evaluator;
        _constraints = constraints;
        _directory = directory;
        Options = options;
        CompletedGenerations = completed;
        _records = records.ToList();
        _cache = new Dictionary<string, CandidateEvaluation>(cache, StringComparer.Ordinal);
        _seen = _records.Select(record => record.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A new search saving its state in <paramref name="directory"/>.</summary>
    public static ArchitectureSearch Start(SearchSpace space, ICandidateEvaluator evaluator, BoardConstraints? constraints,
        SearchOptions options, string directory) =>
        new(space, evaluator, constraints, directory, options, 0, [], new Dictionary<string, CandidateEvaluation>());

    /// <summary>Continues the search saved in <paramref name="directory"/> with its own settings.</summary>
    /// <exception cref="NeuroException">The saved search used another space, evaluator or board.</exception>
    public static ArchitectureSearch Resume(SearchSpace space, ICandidateEvaluator evaluator, BoardConstraints? constraints, string directory)
    {
        var state = SearchState.Load(directory);
        string? board = Describe(constraints);
        if (state.Space != space.Name || state.Evaluator != evaluator.Method || state.Constraints != board)
            throw new NeuroException(
                $"{directory} holds a search of space '{state.Space}' with '{state.Evaluator}' on '{state.Constraints ?? "no board"}', "
                + $"not '{space.Name}' with '{evaluator.Method}' on '{board ?? "no board"}'");
        return new ArchitectureSearch(space, evaluator, constraints, directory, state.Options, state.CompletedGenerations, state.Records, state.Cache);
    }

    public SearchOptions Options { get; }

    public int CompletedGenerations { get; private set; }

    /// <summary>Every candidate looked at, in the order proposed.</summary>
    public IReadOnlyList<CandidateRecord> Records => _records;

    /// <summary>Feasible candidates evaluated successfully: the only ones with a fitness, parents and front members.</summary>
    public IEnumerable<CandidateRecord> Evaluated => _records.Where(record => record is { Evaluation.Failed: null, Feasible: true });

    /// <summary>Candidates whose evaluation failed (e.g. a board that stopped answering), each with its reason.</summary>
    public IEnumerable<CandidateRecord> Failed => _records.Where(record => record.Evaluation?.Failed is not null);

    public bool Finished => CompletedGenerations >= Options.Generations || BudgetLeft() == 0;

    /// <summary>Runs the remaining generations, saving the state after each and when cancelled.</summary>
    public void Run(IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int evaluatedHere = 0;
        while (!Finished)
        {
            int generation = CompletedGenerations;
            var random = new Random(unchecked(Options.Seed * 1_000_003 ^ generation * 7_919));
            var proposals = Propose(generation, random);
            var pending = new List<CandidateRecord>();
            try
            {
                foreach (var (candidate, feasibility) in proposals)
                {
                    CandidateEvaluation? evaluation = null;
                    IReadOnlyList<string> violations = feasibility?.Violations ?? [];
                    if (feasibility?.Feasible ?? true)
                    {
                        if (!_cache.TryGetValue(candidate.Key, out evaluation))
                        {
                            evaluation = _evaluator.Evaluate(candidate.ToConfig(_space), cancellationToken);
                            _cache[candidate.Key] = evaluation;
                            evaluatedHere++;
                        }
                        // A budget on measured latency can only be checked once the board has run the candidate.
                        if (_constraints?.CheckMeasured(evaluation) is { Count: > 0 } measured)
                            violations = measured;
                    }
                    pending.Add(new CandidateRecord(candidate, generation, feasibility?.Footprint, violations, evaluation));
                }
            }
            catch (OperationCanceledException)
            {
                Save();
                throw;
            }
            _records.AddRange(pending);
            _seen.UnionWith(pending.Select(record => record.Key));
            CompletedGenerations++;
            Save();
            if (progress is not null)
            {
                double rate = evaluatedHere / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                int remaining = Math.Max(0, Options.Generations - CompletedGenerations) * Options.Population;
                if (BudgetLeft() is int left)
                    remaining = Math.Min(remaining, left);
                var front = FrontRecords();
                var fitness = FitnessOverEvaluated();
                progress.Report(new GenerationProgress(CompletedGenerations, Options.Generations, Evaluated.Count(),
                    fitness.Count == 0 ? double.NaN : fitness.Values.Max(), front.Count, rate,
                    rate > 0 ? TimeSpan.FromSeconds(remaining / rate) : TimeSpan.Zero));
            }
        }
    }

    /// <summary>Fitness of every feasible evaluated candidate on its cost axis (<see cref="CandidateEvaluation.CostValue"/>), min and max taken over all of them.</summary>
    public IReadOnlyDictionary<string, double> FitnessOverEvaluated()
    {
        var evaluated = Evaluated.ToArray();
        if (evaluated.Length == 0)
            return new Dictionary<string, double>();
        var fitness = new Fitness(Options.Alpha, evaluated.Select(record => (record.Evaluation!.Score, record.Evaluation.CostValue)).ToArray());
        return evaluated.ToDictionary(record => record.Key, record => fitness.Of(record.Evaluation!.Score, record.Evaluation.CostValue),
            StringComparer.Ordinal);
    }

    /// <summary>The Pareto front (score up, cost down: <see cref="CandidateEvaluation.CostValue"/>) of the feasible evaluated candidates, by increasing cost.</summary>
    public IReadOnlyList<CandidateRecord> FrontRecords()
    {
        var evaluated = Evaluated.ToArray();
        var points = evaluated.Select(record => new ObjectivePoint(record.Evaluation!.Score, record.Evaluation.CostValue)).ToArray();
        return Pareto.Front(points).Select(index => evaluated[index]).ToArray();
    }

    private void Save() =>
        new SearchState(SearchState.CurrentVersion, _space.Name, _evaluator.Method, Describe(_constraints), Options, CompletedGenerations,
            _records, _cache).Save(_directory);

    private static string? Describe(BoardConstraints? constraints) =>
        constraints is null ? null
        : $"{constraints.Board.Name}/{constraints.Estimator.Name}" + (constraints.LatencyBudgetSeconds is double budget ? FormattableString.Invariant($"/{budget}s") + (constraints.MeasuredLatency ? "/measured" : "") : "");

    private int? BudgetLeft() =>
        Options.Method == SearchMethod.Random && Options.EvaluationBudget is int budget ? Math.Max(0, budget - Evaluated.Count()) : null;

    private List<(Candidate Candidate, Feasibility? Feasibility)> Propose(int generation, Random random)
    {
        var proposals = new List<(Candidate, Feasibility?)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        int wanted = Options.Population, feasibleWanted = Math.Min(Options.Population, BudgetLeft() ?? int.MaxValue);
        int feasible = 0;

        // Adds an unseen candidate; infeasible ones are recorded (once) but do not count towards the generation.
        bool Offer(Candidate candidate)
        {
            if (_seen.Contains(candidate.Key) || !taken.Add(candidate.Key))
                return false;
            var feasibility = _constraints?.Check(candidate.ToConfig(_space));
            proposals.Add((candidate, feasibility));
            if (feasibility?.Feasible ?? true)
                feasible++;
            return feasibility?.Feasible ?? true;
        }

        void Fill(int count, Func<Candidate> propose)
        {
            int target = Math.Min(feasible + count, feasibleWanted);
            for (int tries = 0; feasible < target && tries < count * TriesPerChild; tries++)
                Offer(propose());
        }

        if (generation > 0 && Options.Method == SearchMethod.Evolution)
        {
            var fitness = FitnessOverEvaluated();
            var parents = Evaluated.OrderByDescending(record => fitness[record.Key]).ThenBy(record => record.Key, StringComparer.Ordinal)
                .Take(Options.Parents).Select(record => record.Candidate).ToArray();
            if (parents.Length > 0)
            {
                Fill(Options.Mutations, () => _operators.Mutate(parents[random.Next(parents.Length)],
                    Options.DepthMutationProbability, Options.GeneMutationProbability, random));
                Fill(Options.Crossovers, () => GeneticOperators.Crossover(parents[random.Next(parents.Length)], parents[random.Next(parents.Length)], random));
            }
        }
        Fill(wanted - feasible, () => _operators.Sample(random));
        return proposals;
    }
}
