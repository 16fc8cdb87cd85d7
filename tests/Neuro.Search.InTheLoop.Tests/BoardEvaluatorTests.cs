using System.Text.Json;
using Neuro.Search.Candidates;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Search.Outputs;

namespace Neuro.Search.InTheLoop.Tests;

/// <summary>Board in the loop against the host board (the Linux build of the loader firmware on a pseudo-terminal).</summary>
public sealed class BoardEvaluatorTests(HostLoader loader) : IClassFixture<HostLoader>, IDisposable
{
    private readonly string _directory = Path.Combine(loader.Root, Guid.NewGuid().ToString("N"));

    private static readonly SearchOptions Small = new() { Population = 4, Generations = 2, Parents = 2, Mutations = 2, Crossovers = 2, Seed = 1 };

    private BoardEvaluator Evaluator(IBoardConnection board) =>
        new(new TrainingFreeEvaluator(RandomFrames.Source(4, 1), seed: 1), new SeededModels(1), new ProgramSampleSet(RandomFrames.Source(6, 2), 2),
            board, new BoardEvaluatorOptions(TimeSpan.FromSeconds(30)));

    private BoardConstraints Constraints => new(loader.Board, new CompiledFootprintEstimator());

    [Fact]
    public async Task A_search_against_the_host_board_completes_and_its_measured_cycles_appear_in_the_outputs()
    {
        await using var board = loader.Connect();
        var evaluator = Evaluator(board);
        var search = ArchitectureSearch.Start(TinySpace.Space, evaluator, Constraints, Small, _directory);

        search.Run(null, CancellationToken.None);

        Assert.True(search.Finished);
        Assert.Equal(8, search.Evaluated.Count());
        Assert.All(search.Evaluated, record =>
        {
            Assert.True(record.Evaluation!.Cycles > 0);
            Assert.Equal(CostAxis.Latency, record.Evaluation.Cost);
            Assert.Equal(record.Evaluation.Cycles / loader.Board.ClockHz, record.Evaluation.LatencySeconds);
            Assert.True(record.Evaluation.SimulatorCycles > 0);
        });
        Assert.Equal(8, evaluator.Deploys);
        Assert.Equal(0, evaluator.Resets);

        var evaluated = search.Evaluated.Select(record => record.Evaluation!).ToArray();
        var summary = SearchOutputs.Write(search, evaluator.Method, _directory, evaluated);
        Assert.Equal(CostAxis.Latency, summary.Cost);
        var lines = File.ReadAllLines(Path.Combine(_directory, SearchOutputs.MeasuredFile))
            .Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(8, lines.Length);
        Assert.All(lines, line =>
        {
            Assert.True(line.GetProperty("boardCycles").GetDouble() > 0);
            Assert.True(line.GetProperty("hostEnergyPicojoules").GetDouble() > 0);
            Assert.True(line.GetProperty("flashBytes").GetInt64() > 0);
        });
        Assert.Contains("\"cycles\":", File.ReadAllText(Path.Combine(_directory, SearchOutputs.CandidatesFile)));
        Assert.Contains("board ns", SearchOutputs.MeasuredTable(SearchOutputs.MeasuredLines(search), "ns"));
    }

    [Fact]
    public async Task A_board_killed_during_an_evaluation_is_restarted_and_the_evaluation_retried()
    {
        var inner = loader.Connect();
        await using var board = new KillingConnection(inner, session => session == 2);
        var evaluator = Evaluator(board);
        var config = new GeneticOperators(TinySpace.Space).Sample(new Random(4)).ToConfig(TinySpace.Space);

        var first = evaluator.Evaluate(config, CancellationToken.None);
        var second = evaluator.Evaluate(config, CancellationToken.None);

        Assert.Null(first.Failed);
        Assert.Null(second.Failed);
        Assert.Equal(1, board.Kills);
        Assert.Equal(1, evaluator.Resets);
        Assert.Equal(2, inner.Starts);
        Assert.True(second.Cycles > 0);
    }

    [Fact]
    public async Task A_board_that_dies_again_after_its_restart_fails_the_candidate_and_the_search_goes_on()
    {
        var inner = loader.Connect();
        // Sessions 3 and 4 are the first attempt and the retry of the third candidate: it fails; later ones run on a fresh board.
        await using var board = new KillingConnection(inner, session => session is 3 or 4);
        var evaluator = Evaluator(board);
        var search = ArchitectureSearch.Start(TinySpace.Space, evaluator, Constraints, Small, _directory);

        search.Run(null, CancellationToken.None);

        Assert.True(search.Finished);
        var failed = Assert.Single(search.Failed);
        Assert.Contains("stopped answering", failed.Evaluation!.Failed);
        Assert.Contains("after a reset and a retry", failed.Evaluation.Failed);
        Assert.DoesNotContain(failed.Key, search.FrontRecords().Select(record => record.Key));
        Assert.DoesNotContain(failed.Key, search.FitnessOverEvaluated().Keys);
        Assert.Equal(7, search.Evaluated.Count());
        Assert.Equal(2, evaluator.Resets);
        Assert.Equal(3, inner.Starts);

        var line = File.ReadAllText(Path.Combine(_directory, SearchState.FileName));
        Assert.Contains("\"failed\":", line);
        var resumed = ArchitectureSearch.Resume(TinySpace.Space, evaluator, Constraints, _directory);
        Assert.Single(resumed.Failed);
    }

    [Fact]
    public async Task A_cached_candidate_does_not_touch_the_board()
    {
        var board = loader.Connect();
        var evaluator = Evaluator(board);
        var cached = new CachedEvaluator(evaluator);
        var config = new GeneticOperators(TinySpace.Space).Sample(new Random(9)).ToConfig(TinySpace.Space);

        var first = cached.Evaluate(config, CancellationToken.None);
        await board.DisposeAsync(); // the board is gone: only the cache can answer now
        var again = cached.Evaluate(config, CancellationToken.None);

        Assert.Same(first, again);
        Assert.Equal(1, evaluator.Deploys);
        Assert.Equal(1, board.Starts);
        Assert.Equal(1, cached.Misses);
    }

    [Fact]
    public async Task A_board_on_a_port_is_reset_through_its_reset_line_and_the_evaluation_retried()
    {
        string serial = Path.Combine(loader.Root, $"{Guid.NewGuid():N}.pty");
        await using var line = new RestartingResetLine(loader, serial);
        await line.StartAsync();
        await using var board = new PortBoardConnection(loader.Board, serial, HostLoader.Key, line, maxAttempts: 3);
        var evaluator = Evaluator(board);
        var operators = new GeneticOperators(TinySpace.Space);

        var before = evaluator.Evaluate(operators.Sample(new Random(1)).ToConfig(TinySpace.Space), CancellationToken.None);
        line.KillBoard(); // hangs up like a board that crashed: only a reset pulse brings it back
        var after = evaluator.Evaluate(operators.Sample(new Random(2)).ToConfig(TinySpace.Space), CancellationToken.None);

        Assert.Null(before.Failed);
        Assert.Null(after.Failed);
        Assert.Equal(1, line.Pulses);
        Assert.Equal(1, evaluator.Resets);
        Assert.True(after.Cycles > 0);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
