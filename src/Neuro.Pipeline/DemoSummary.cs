namespace Neuro.Pipeline;

/// <summary>The demo's <c>summary.json</c>; field names are part of the CLI contract (docs/demo.md).</summary>
/// <param name="Board">The board compiled and built for.</param>
/// <param name="RanOn">The board that ran the firmware: the same, or <c>host</c> with <paramref name="RanOnReason"/>.</param>
/// <param name="Emulator">How it ran: <c>qemu MACHINE -icount shift=0</c> or <c>host process</c>.</param>
/// <param name="Stages">Wall seconds per stage, in order.</param>
public sealed record DemoSummary(
    string Board, string RanOn, string? RanOnReason, string Emulator, int Seed, bool Quick,
    DemoDataSummary Data, DemoSearchSummary Search, DemoModelSummary Model, DemoAccuracy Accuracy, DemoEnergy Energy,
    DemoBoardFigures OnBoard, DemoMemory Memory, IReadOnlyList<DemoStageTiming> Stages, double TotalSeconds,
    IReadOnlyList<string> Notes, IReadOnlyList<DemoSampleResult> Samples);

public sealed record DemoDataSummary(string Directory, int TrainSamples, int TestSamples, long Events);

/// <param name="Chosen">Key of the trained candidate: the fittest feasible one within <paramref name="TrainingFlops"/>.</param>
/// <param name="TrainingFlops">FLOPs per sample (AutoST's proxy) the training time box affords.</param>
public sealed record DemoSearchSummary(string Space, string Method, int Evaluated, int Infeasible, int FrontSize, string Chosen, double ChosenFitness,
    double ChosenProxyFlops, double ChosenEnergyPicojoules, double TrainingFlops);

/// <param name="Program">The compiled program (.nsp) in the report folder.</param>
public sealed record DemoModelSummary(string Config, long Parameters, int TimeSteps, int Epochs, int QuantizationAwareEpochs, string Program,
    string ProgramHash, double TrainSeconds);

/// <summary>Accuracies on the streamed test samples' split, each in [0, 1].</summary>
/// <param name="Float">The float TorchSharp model on the whole test split.</param>
/// <param name="Integer">The compiled program (reference interpreter) on the whole test split.</param>
/// <param name="Agreement">Float and integer top-1 classes equal.</param>
/// <param name="Simulator">The simulator on the whole test split (equals <paramref name="Integer"/>: one semantics).</param>
/// <param name="OnBoard">The board, on the streamed samples.</param>
public sealed record DemoAccuracy(int TestSamples, double Float, double Integer, double Agreement, double Simulator, int StreamedSamples, double OnBoard,
    int BoardMatchesSimulator);

/// <summary>Energy per inference, pJ. The board estimate is null, with the reason, when it cannot be given honestly.</summary>
public sealed record DemoEnergy(double PaperPicojoules, double FullPicojoules, double SimulatorCycles, double? BoardPicojoules,
    string? BoardReason, string Hardware);

/// <summary>What the board measured per inference.</summary>
/// <param name="Counter">The board's counter readings per sample (mean) and their unit.</param>
/// <param name="Instructions">Instructions per inference under QEMU <c>-icount</c> (null on the host board, with the reason).</param>
public sealed record DemoBoardFigures(double Counter, string CounterUnit, double? Instructions, string? InstructionsReason, double MeanLatencyMs,
    double DeploySeconds, long ProgramBytes, long WireBytes);

/// <summary>Flash and SRAM: the firmware against the board's memories, and the program against what the loader leaves it.</summary>
public sealed record DemoMemory(
    long FirmwareFlashBytes, long FlashBytes, long FirmwareSramBytes, long SramBytes,
    long ProgramFileBytes, long ProgramSlotBytes, long ProgramArenaBytes, long ArenaBytes,
    long PlanFlashBytes, long PlanFlashAvailable, long PlanSramBytes, long PlanSramAvailable);

public sealed record DemoStageTiming(string Stage, double Seconds);

/// <summary>One streamed sample: label, float, simulator and board classes, and whether the board's logits equal the simulator's.</summary>
public sealed record DemoSampleResult(int Index, int Label, int Float, int Simulator, int Board, bool LogitsMatch, ulong BoardCounter);
