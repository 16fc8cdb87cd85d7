using System.Diagnostics;
using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Search.Evaluation;
using Neuro.Sim.Audit;
using Neuro.Sim.Hardware;
using SimEnergy = Neuro.Sim.Audit.EnergyMode;

namespace Neuro.Search.InTheLoop;

/// <summary>
/// Energy and cycles of the compiled program: the candidate's model (<see cref="ICandidateModels"/>: seeded like
/// AutoST, or inherited from a supernet) is compiled for the target board, and the simulator runs it on K framed
/// samples with its cycle model (<see cref="HardwareModel"/>, <c>neuro-ac64</c> by default) and energy model.
/// Energy = the simulator's paper-mode (seeds' formula on counted operations) or full-mode (45 nm table with memory
/// traffic and neuron updates) figure, <see cref="Evaluation.EnergyMode.Simulator"/>; cycles and latency are the
/// simulated hardware's, at its clock, not the board core's. Score = FLOPs (AutoST's proxy), plus the integer
/// program's accuracy on the K samples when the weights are trained. Deterministic: the program and the samples
/// depend only on the seed and the candidate.
/// </summary>
public sealed class SimulatorEvaluator : ICandidateEvaluator
{
    private readonly ICandidateModels _models;
    private readonly ProgramSampleSet _samples;
    private readonly BoardDescriptor _board;
    private readonly HardwareModel _hardware;
    private readonly SimEnergy _mode;

    /// <param name="models">Where the weights come from.</param>
    /// <param name="samples">The K validation samples.</param>
    /// <param name="board">The board the program is compiled and planned for.</param>
    /// <param name="mode">Paper or full energy.</param>
    /// <param name="hardware">The simulated hardware; default the shipped <c>neuro-ac64</c>.</param>
    public SimulatorEvaluator(ICandidateModels models, ProgramSampleSet samples, BoardDescriptor board, SimEnergy mode, HardwareModel? hardware = null)
    {
        _models = models;
        _samples = samples;
        _board = board;
        _mode = mode;
        _hardware = hardware ?? HardwareModel.Shipped();
    }

    public string Method => "sim";

    /// <summary>The energy mode the evaluations report (stated in outputs).</summary>
    public SimEnergy Mode => _mode;

    public HardwareModel Hardware => _hardware;

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var table = LayerTable.From(config);
        CandidateProgram program;
        AuditResult audit;
        try
        {
            program = CandidateProgram.Compile(config, _models, _board);
            audit = Simulate(config, program, _hardware, _samples, _mode, cancellationToken);
        }
        catch (NeuroException error)
        {
            // A candidate the compiler or the simulated hardware cannot take is recorded as failed; the search goes on.
            return CandidateEvaluation.Failure(error.Message, Evaluation.EnergyMode.Simulator, table.TotalParameters, clock.Elapsed.TotalSeconds);
        }
        return new CandidateEvaluation(_models.Trained ? audit.Accuracy : null, table.MacsPerSample, audit.EnergyPicojoules,
            Evaluation.EnergyMode.Simulator, table.TotalParameters, clock.Elapsed.TotalSeconds)
        {
            Cycles = audit.Cycles,
            LatencySeconds = audit.LatencySeconds,
        };
    }

    /// <summary>Runs the program on the K samples, one at a time (the machine is shared; the audit's sums do not depend on it).</summary>
    internal static AuditResult Simulate(ArchitectureConfig config, CandidateProgram program, HardwareModel hardware, ProgramSampleSet samples,
        SimEnergy mode, CancellationToken cancellationToken)
    {
        var (bytes, labels) = samples.For(config, program.Program.Program.Input);
        return new Auditor(program.Program, hardware).Run(bytes, labels, mode, parallelism: 1, cancellation: cancellationToken);
    }
}
