using System.Diagnostics;
using System.Globalization;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Link;
using Neuro.Search.Evaluation;
using Neuro.Sim.Hardware;
using SimEnergy = Neuro.Sim.Audit.EnergyMode;

namespace Neuro.Search.InTheLoop;

/// <summary>Settings of <see cref="BoardEvaluator"/>.</summary>
/// <param name="MeasurementTimeout">Longest one attempt (deploy + K samples) may take before the board counts as not answering.</param>
/// <param name="Simulate">Also run the compiled program in the simulator, for its cycles beside the board's (the host estimate).</param>
public sealed record BoardEvaluatorOptions(TimeSpan MeasurementTimeout, bool Simulate = true)
{
    public static BoardEvaluatorOptions Default { get; } = new(TimeSpan.FromMinutes(5));
}

/// <summary>
/// Board in the loop: the score and host energy come from a host evaluator (AutoST by default); the candidate is then
/// compiled (<see cref="ICandidateModels"/>, for the board's limits), deployed with <see cref="DeployClient"/> to a board
/// running the loader firmware, and K validation samples are streamed with <see cref="StreamClient"/>. The board's
/// RESULT cycles give <see cref="CandidateEvaluation.Cycles"/>: core cycles on a board with a cycle counter, or under
/// QEMU <c>-icount shift=0</c> instructions (SysTick ticks × <c>instructionsPerTick</c>), taken as cycles at one
/// instruction per cycle; latency = cycles / the board's clock. The cost axis is board energy (cycles × energy per
/// cycle) when board.json gives energy per cycle, else the measured latency.
/// <para>
/// A board that stops answering (a link error, a closed port, or no result within
/// <see cref="BoardEvaluatorOptions.MeasurementTimeout"/>) is reset through its <see cref="IBoardConnection"/> and the
/// measurement retried once; a second failure returns a failed evaluation with the reason, and the search goes on.
/// Cache evaluations by candidate (<see cref="CachedEvaluator"/>, and the search state's cache): a cached candidate
/// never touches the board.
/// </para>
/// <para>
/// Unlike the host evaluators this one is a measurement, so not strictly deterministic: QEMU instruction counts repeat
/// to ~1e-4 (UART interrupts land where the host's bytes arrive), host-board nanoseconds are wall time. Resume stays
/// exact because the state caches every evaluation; a rerun from the seed may differ at near-ties.
/// </para>
/// </summary>
public sealed class BoardEvaluator : ICandidateEvaluator
{
    private readonly ICandidateEvaluator _host;
    private readonly ICandidateModels _models;
    private readonly ProgramSampleSet _samples;
    private readonly IBoardConnection _board;
    private readonly BoardEvaluatorOptions _options;
    private readonly HardwareModel _hardware = HardwareModel.Shipped();

    /// <param name="host">Gives the score (proxy or accuracy) and the host energy estimate.</param>
    /// <param name="models">The weights compiled and deployed.</param>
    /// <param name="samples">The K validation samples streamed per candidate.</param>
    /// <param name="board">The board, owned by the caller.</param>
    /// <param name="options">Timeout per measurement and whether to simulate too.</param>
    public BoardEvaluator(ICandidateEvaluator host, ICandidateModels models, ProgramSampleSet samples, IBoardConnection board,
        BoardEvaluatorOptions? options = null)
    {
        _host = host;
        _models = models;
        _samples = samples;
        _board = board;
        _options = options ?? BoardEvaluatorOptions.Default;
    }

    public string Method => "board";

    /// <summary>What <see cref="CandidateEvaluation.Cycles"/> counts on this board, for outputs.</summary>
    public string CycleUnit => _board.CountsInstructions ? "instructions (QEMU -icount)" : _board.Board.Emulator?.Kind == "host" ? "ns (host clock_gettime)" : "cycles";

    /// <summary>The cost axis fitness minimises with this board.</summary>
    public CostAxis Cost => _board.Board.Energy is null ? CostAxis.Latency : CostAxis.BoardEnergy;

    /// <summary>Candidates deployed to the board (attempts included).</summary>
    public int Deploys { get; private set; }

    /// <summary>Times the board was reset after it stopped answering.</summary>
    public int Resets { get; private set; }

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var host = _host.Evaluate(config, cancellationToken);
        CandidateProgram program;
        try
        {
            program = CandidateProgram.Compile(config, _models, _board.Board);
        }
        catch (NeuroException error)
        {
            return CandidateEvaluation.Failure($"compile: {error.Message}", host.Energy, host.Parameters, clock.Elapsed.TotalSeconds);
        }
        double? simulated = null;
        if (_options.Simulate)
        {
            try
            {
                simulated = SimulatorEvaluator.Simulate(config, program, _hardware, _samples, SimEnergy.Full, cancellationToken).Cycles;
            }
            catch (NeuroException)
            {
                // The simulated hardware's banks may be smaller than the board: no simulator figure, the board still measures.
            }
        }

        var (samples, _) = _samples.For(config, program.Program.Program.Input);
        string? firstFailure = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                double cycles = MeasureAsync(program, samples, cancellationToken).GetAwaiter().GetResult();
                double seconds = cycles / _board.Board.ClockHz;
                double? energy = _board.Board.Energy is { } perCycle ? cycles * perCycle.JoulesPerCycle * 1e12 : null;
                return host with
                {
                    Seconds = clock.Elapsed.TotalSeconds,
                    Cycles = cycles,
                    LatencySeconds = seconds,
                    SimulatorCycles = simulated,
                    MeasuredEnergyPicojoules = energy,
                    Cost = Cost,
                };
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested && IsBoardFailure(error))
            {
                firstFailure ??= error.Message;
                Resets++;
                try
                {
                    _board.ResetAsync(cancellationToken).GetAwaiter().GetResult();
                }
                catch (Exception resetError) when (IsBoardFailure(resetError))
                {
                    return CandidateEvaluation.Failure(Reason(firstFailure, $"reset failed: {resetError.Message}"), host.Energy, host.Parameters, clock.Elapsed.TotalSeconds);
                }
                if (attempt == 1)
                    return CandidateEvaluation.Failure(Reason(firstFailure, error.Message), host.Energy, host.Parameters, clock.Elapsed.TotalSeconds);
            }
        }
        throw new UnreachableException();
    }

    private string Reason(string first, string second) =>
        string.Create(CultureInfo.InvariantCulture, $"board {_board.Description} stopped answering: {first}; after a reset and a retry: {second}");

    private static bool IsBoardFailure(Exception error) =>
        error is NeuroException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException or UnauthorizedAccessException;

    /// <summary>Deploys and streams the samples; returns the mean cycles per sample (instructions under QEMU -icount).</summary>
    private async Task<double> MeasureAsync(CandidateProgram program, IReadOnlyList<byte[]> samples, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.MeasurementTimeout);
        var token = timeout.Token;
        var session = await _board.SessionAsync(token).ConfigureAwait(false);
        Deploys++;
        await DeployClient.DeployAsync(session, program.File, _board.Key, null, token).ConfigureAwait(false);
        var input = program.Program.Program.Input;
        var client = new StreamClient(session, input);
        double total = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            var streamed = await client.RunSampleAsync((uint)i, samples[i], null, token).ConfigureAwait(false);
            total += streamed.Result.Cycles;
        }
        double perSample = total / samples.Count;
        return _board.CountsInstructions && _board.Board.Emulator?.InstructionsPerTick is double perTick ? perSample * perTick : perSample;
    }
}
