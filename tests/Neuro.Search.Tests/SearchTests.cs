using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Search.Constraints;
using Neuro.Search.Evolution;
using Neuro.Search.Metrics;

namespace Neuro.Search.Tests;

public sealed class SearchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neuro-search-").FullName;

    private static readonly SearchOptions Small = new() { Population = 12, Parents = 4, Mutations = 6, Crossovers = 6, Generations = 5, Seed = 11 };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name) => Path.Combine(_root, name);

    private static BoardConstraints Board(long flashBytes, long sramBytes) =>
        new(BoardCatalog.Load("netduinoplus2") is var board
                ? board with { Flash = board.Flash with { Bytes = flashBytes + board.Reserve.FlashBytes }, Sram = board.Sram with { Bytes = sramBytes + board.Reserve.SramBytes } }
                : throw new InvalidOperationException(),
            new FakeFootprintEstimator(flashPerParameter: 1, sramPerEmbed: 100));

    [Fact]
    public void The_same_seed_gives_the_same_search()
    {
        var first = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small, Folder("a"));
        first.Run(null, CancellationToken.None);
        var second = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small, Folder("b"));
        second.Run(null, CancellationToken.None);
        Assert.Equal(File.ReadAllText(Path.Combine(Folder("a"), SearchState.FileName)), File.ReadAllText(Path.Combine(Folder("b"), SearchState.FileName)));
        Assert.Equal(Small.Generations * Small.Population, first.Evaluated.Count());
        var other = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small with { Seed = 12 }, Folder("c"));
        other.Run(null, CancellationToken.None);
        Assert.NotEqual(first.Records.Select(r => r.Key), other.Records.Select(r => r.Key));
    }

    [Fact]
    public void A_resumed_search_equals_an_uninterrupted_one()
    {
        var whole = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small, Folder("whole"));
        whole.Run(null, CancellationToken.None);

        // Cancel in the middle of generation 3, then resume from the saved state.
        using var cancel = new CancellationTokenSource();
        var evaluator = new CancellingEvaluator(cancel, afterCalls: 2 * Small.Population + 5);
        var interrupted = ArchitectureSearch.Start(TestSpaces.Default, evaluator, null, Small, Folder("parts"));
        Assert.Throws<OperationCanceledException>(() => interrupted.Run(null, cancel.Token));
        Assert.Equal(2, SearchState.Load(Folder("parts")).CompletedGenerations);
        var counting = new AnalyticEvaluator();
        var resumed = ArchitectureSearch.Resume(TestSpaces.Default, counting, null, Folder("parts"));
        resumed.Run(null, CancellationToken.None);

        Assert.Equal(File.ReadAllText(Path.Combine(Folder("whole"), SearchState.FileName)), File.ReadAllText(Path.Combine(Folder("parts"), SearchState.FileName)));
        // The 5 evaluations of the interrupted generation came from the cache.
        Assert.Equal(3 * Small.Population - 5, counting.Calls);
    }

    [Fact]
    public void Evaluations_are_cached_by_candidate_key()
    {
        var evaluator = new AnalyticEvaluator();
        var search = ArchitectureSearch.Start(TestSpaces.Default, evaluator, null, Small, Folder("cache"));
        search.Run(null, CancellationToken.None);
        Assert.Equal(search.Evaluated.Count(), evaluator.Calls);
        Assert.Equal(search.Records.Count, search.Records.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public void Infeasible_candidates_are_never_evaluated_nor_on_the_front()
    {
        // Flash for about 20k parameters and SRAM for embed ≤ 64: a large share of the space does not fit.
        var constraints = Board(flashBytes: 20_000, sramBytes: 6_400);
        var evaluator = new AnalyticEvaluator();
        var search = ArchitectureSearch.Start(TestSpaces.Default, evaluator, constraints, Small, Folder("board"));
        search.Run(null, CancellationToken.None);
        var infeasible = search.Records.Where(r => !r.Feasible).ToArray();
        Assert.NotEmpty(infeasible);
        Assert.All(infeasible, r => Assert.Null(r.Evaluation));
        Assert.All(search.FrontRecords(), r => Assert.True(r.Feasible));
        Assert.All(search.Evaluated, r => Assert.True(r.Footprint!.FlashBytes <= 20_000 && r.Footprint.PeakSramBytes <= 6_400));
        Assert.Equal(search.Evaluated.Count(), evaluator.Calls);
    }

    [Fact]
    public void Board_constraints_compare_against_the_program_budget_and_latency()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        var config = TestSpaces.Default.Largest;
        var fits = new BoardConstraints(board, new FakeFootprintEstimator(0, 0)).Check(config);
        Assert.True(fits.Feasible);
        var tooBig = new BoardConstraints(board, new FakeFootprintEstimator(board.ProgramFlashBytes, 0)).Check(config);
        Assert.Contains(tooBig.Violations, v => v.StartsWith("flash", StringComparison.Ordinal) && v.Contains($"{board.ProgramFlashBytes} B available"));
        var slow = new BoardConstraints(board, new FakeFootprintEstimator(0, 0, cyclesPerFlop: 1), latencyBudgetSeconds: 1e-3).Check(config);
        Assert.Contains(slow.Violations, v => v.StartsWith("latency", StringComparison.Ordinal));
        Assert.NotNull(slow.LatencySeconds);
        Assert.Throws<NeuroException>(() => new BoardConstraints(board, new FakeFootprintEstimator(0, 0), 1e-3).Check(config));
    }

    [Fact]
    public void Evolution_finds_a_fitter_candidate_than_random_search_with_the_same_evaluations()
    {
        var evolution = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small with { Generations = 8 }, Folder("evo"));
        evolution.Run(null, CancellationToken.None);
        var random = ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null,
            Small with { Generations = 8, Method = SearchMethod.Random, EvaluationBudget = evolution.Evaluated.Count() }, Folder("rnd"));
        random.Run(null, CancellationToken.None);
        Assert.Equal(evolution.Evaluated.Count(), random.Evaluated.Count());
        // One fitness over both runs' candidates: evolution selects for it, so its best must be at least random's.
        var all = evolution.Evaluated.Concat(random.Evaluated).Select(r => (r.Evaluation!.Score, r.Evaluation.EnergyPicojoules)).ToArray();
        var fitness = new Fitness(Small.Alpha, all);
        double Best(ArchitectureSearch search) => search.Evaluated.Max(r => fitness.Of(r.Evaluation!.Score, r.Evaluation.EnergyPicojoules));
        Assert.True(Best(evolution) > Best(random), $"evolution {Best(evolution)} vs random {Best(random)}");
    }

    [Fact]
    public void Resuming_with_another_evaluator_is_refused()
    {
        ArchitectureSearch.Start(TestSpaces.Default, new AnalyticEvaluator(), null, Small with { Generations = 1 }, Folder("x")).Run(null, CancellationToken.None);
        var error = Assert.Throws<NeuroException>(() => ArchitectureSearch.Resume(TestSpaces.Default with { Name = "other" }, new AnalyticEvaluator(), null, Folder("x")));
        Assert.Contains("space 'dvsgesture-mcu'", error.Message);
    }

    private sealed class CancellingEvaluator(CancellationTokenSource cancel, int afterCalls) : Neuro.Search.Evaluation.ICandidateEvaluator
    {
        private readonly AnalyticEvaluator _inner = new();

        public string Method => "analytic";

        public Neuro.Search.Evaluation.CandidateEvaluation Evaluate(Neuro.Core.Architecture.ArchitectureConfig config, CancellationToken cancellationToken)
        {
            if (_inner.Calls == afterCalls)
                cancel.Cancel();
            return _inner.Evaluate(config, cancellationToken);
        }
    }
}
