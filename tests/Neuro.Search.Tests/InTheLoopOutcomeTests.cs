using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Search.Outputs;

namespace Neuro.Search.Tests;

/// <summary>Failed evaluations and measured cost axes, as the simulator and board evaluators return them.</summary>
public sealed class InTheLoopOutcomeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neuro-search-loop-").FullName;

    private static readonly SearchOptions Small = new() { Population = 12, Parents = 4, Mutations = 6, Crossovers = 6, Generations = 5, Seed = 11 };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name) => Path.Combine(_root, name);

    /// <summary>The analytic evaluator as a board would answer it: latency from FLOPs, and every candidate whose key hashes to 0 mod 4 fails.</summary>
    private sealed class MeasuringEvaluator(CancellationTokenSource? cancel = null, int cancelAfter = int.MaxValue) : ICandidateEvaluator
    {
        private readonly AnalyticEvaluator _inner = new();

        public int Calls => _inner.Calls;

        public string Method => "board";

        public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
        {
            if (_inner.Calls == cancelAfter)
                cancel!.Cancel();
            var e = _inner.Evaluate(config, cancellationToken);
            if (TrainingFreeEvaluator.StableSeed(0, config.Name) % 4 == 0)
                return CandidateEvaluation.Failure($"board stopped answering for {config.Name}", e.Energy, e.Parameters, 0);
            double latency = e.Proxy!.Value * 1e-9 + config.TimeSteps * 1e-3;
            return e with { Cycles = latency * 25e6, LatencySeconds = latency, Cost = CostAxis.Latency };
        }
    }

    [Fact]
    public void Failed_candidates_are_recorded_with_their_reason_but_are_never_parents_nor_on_a_front()
    {
        var search = ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(), null, Small, Folder("failed"));
        search.Run(null, CancellationToken.None);

        var failed = search.Failed.ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, record => Assert.StartsWith("board stopped answering", record.Evaluation!.Failed));
        var keys = failed.Select(record => record.Key).ToHashSet();
        Assert.DoesNotContain(search.FrontRecords(), record => keys.Contains(record.Key));
        Assert.DoesNotContain(search.FitnessOverEvaluated().Keys, keys.Contains);
        Assert.DoesNotContain(search.Evaluated, record => keys.Contains(record.Key));
        Assert.True(search.Finished);

        var summary = SearchOutputs.Write(search, "board", Folder("failed"), search.Evaluated.Select(r => r.Evaluation!).ToArray());
        Assert.Equal(failed.Length, summary.Failed);
        Assert.Equal(CostAxis.Latency, summary.Cost);
        var measured = SearchOutputs.MeasuredLines(search);
        Assert.Equal(search.Records.Count(r => r.Evaluation is not null), measured.Count);
        Assert.All(measured.Where(line => line.Failed is not null), line => Assert.False(line.OnFront));
    }

    [Fact]
    public void A_resumed_search_with_failed_candidates_equals_an_uninterrupted_one()
    {
        ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(), null, Small, Folder("whole")).Run(null, CancellationToken.None);

        using var cancel = new CancellationTokenSource();
        var interrupted = ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(cancel, 2 * Small.Population + 5), null, Small, Folder("parts"));
        Assert.Throws<OperationCanceledException>(() => interrupted.Run(null, cancel.Token));
        ArchitectureSearch.Resume(TestSpaces.Default, new MeasuringEvaluator(), null, Folder("parts")).Run(null, CancellationToken.None);

        Assert.Equal(File.ReadAllText(Path.Combine(Folder("whole"), SearchState.FileName)), File.ReadAllText(Path.Combine(Folder("parts"), SearchState.FileName)));
    }

    [Fact]
    public void The_front_and_fitness_minimise_the_measured_latency_when_that_is_the_cost_axis()
    {
        var search = ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(), null, Small with { Generations = 2 }, Folder("latency"));
        search.Run(null, CancellationToken.None);

        var evaluated = search.Evaluated.ToArray();
        var fastest = evaluated.MinBy(record => record.Evaluation!.LatencySeconds)!;
        Assert.Contains(fastest.Key, search.FrontRecords().Select(record => record.Key));
        // With α = 0 fitness is 1 − minmax(latency): the fastest candidate has fitness 1.
        var latencyOnly = ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(), null, Small with { Generations = 2, Alpha = 0 }, Folder("alpha0"));
        latencyOnly.Run(null, CancellationToken.None);
        var fitness = latencyOnly.FitnessOverEvaluated();
        var quickest = latencyOnly.Evaluated.MinBy(record => record.Evaluation!.LatencySeconds)!;
        Assert.Equal(1.0, fitness[quickest.Key], 12);
    }

    [Fact]
    public void A_measured_latency_budget_makes_slow_candidates_infeasible_after_their_measurement()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        var constraints = new BoardConstraints(board, new FakeFootprintEstimator(flashPerParameter: 0, sramPerEmbed: 0), 0.010, measuredLatency: true);
        var search = ArchitectureSearch.Start(TestSpaces.Default, new MeasuringEvaluator(), constraints, Small with { Generations = 2 }, Folder("budget"));
        search.Run(null, CancellationToken.None);

        var slow = search.Records.Where(record => record.Evaluation is { Failed: null, LatencySeconds: > 0.010 }).ToArray();
        Assert.NotEmpty(slow);
        Assert.All(slow, record => Assert.StartsWith("measured latency", Assert.Single(record.Violations)));
        Assert.All(search.Evaluated, record => Assert.True(record.Evaluation!.LatencySeconds <= 0.010));
        Assert.DoesNotContain(search.FrontRecords(), record => record.Evaluation!.LatencySeconds > 0.010);
    }

    [Fact]
    public void A_measured_latency_budget_without_a_measurement_is_an_error()
    {
        var constraints = new BoardConstraints(BoardCatalog.Load("netduinoplus2"), new FakeFootprintEstimator(0, 0), 0.010, measuredLatency: true);
        var error = Assert.Throws<Neuro.Core.Errors.NeuroException>(() => constraints.CheckMeasured(new CandidateEvaluation(null, 1, 1, EnergyMode.PaperAtInitialisation, 1, 0)));
        Assert.Contains("--evaluator board", error.Message);
    }

    [Fact]
    public void Evaluations_without_measurements_serialise_as_before()
    {
        var evaluation = new CandidateEvaluation(null, 2, 3, EnergyMode.PaperAtInitialisation, 4, 0.5);
        Assert.Equal("""{"accuracy":null,"proxy":2,"energyPicojoules":3,"energy":"PaperAtInitialisation","parameters":4,"seconds":0.5}""".Replace("\"accuracy\":null,", ""),
            SearchState.Serialize(evaluation));
    }
}
