using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Core.SearchSpaces;
using Neuro.Data.Synthetic;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using Neuro.Program;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Sim.Audit;
using Neuro.Sim.Hardware;
using TorchSharp;

namespace Neuro.Pipeline;

/// <summary>
/// The end-to-end run behind <c>neuro demo</c>: synthetic DVS128 Gesture data → training-free (AutoST) search under
/// the board's limits → training of the fittest feasible candidate with quantization-aware epochs at the end →
/// compilation for the board → simulator audit → loader firmware → an emulated board → deploy over the serial link →
/// streaming of the test split, compared per sample with the simulator → one report folder. Everything is written into
/// a staging folder beside <see cref="DemoOptions.OutputDirectory"/> and moved into place only when the run finished,
/// so a report folder is either complete or absent; a board the run started is stopped at the end, on failure and on
/// cancellation.
/// </summary>
public sealed class DemoPipeline
{
    public const string SummaryFile = "summary.json";
    public const string ReportFile = "report.html";

    /// <summary>Serialises <c>summary.json</c>: camelCase, enums as strings, indented.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly DemoOptions _options;
    private readonly StageRunner _stages;
    private int _lastEpoch;
    private int _floatEpochs;
    private int _quantizationAwareEpochs;

    /// <param name="options">What to run and where.</param>
    /// <param name="progress">Reported synchronously from the worker threads; keep it quick.</param>
    /// <param name="onNote">Told about fallbacks and missing figures as they happen (they also land in the summary).</param>
    public DemoPipeline(DemoOptions options, IProgress<DemoProgress>? progress = null, Action<DemoNote>? onNote = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _stages = new StageRunner(progress, onNote);
    }

    /// <summary>PIDs of the board processes while a board runs (empty otherwise): for tests that check nothing outlives the run.</summary>
    public IReadOnlyList<int> BoardProcessIds { get; private set; } = [];

    /// <summary>Runs every stage and returns the summary written to <c>summary.json</c> in the output folder.</summary>
    /// <exception cref="NeuroException">The output folder is not empty, the board is unknown, or a stage failed with a reason.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is left in the output folder and no board runs.</exception>
    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        string final = Path.GetFullPath(_options.OutputDirectory);
        if (Directory.Exists(final) && Directory.EnumerateFileSystemEntries(final).Any())
        {
            string what = File.Exists(Path.Combine(final, SummaryFile)) ? "holds a finished demo" : "is not empty";
            throw new NeuroException($"{final} {what}; choose another --out or remove it (a demo never overwrites a folder)");
        }
        if (File.Exists(final))
            throw new NeuroException($"{final} is a file; --out must name a folder");
        var board = BoardCatalog.Load(_options.Board);
        string boardDirectory = BoardCatalog.DirectoryOf(_options.Board);
        string staging = $"{final}.partial-{Environment.ProcessId}";
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            var summary = await RunStagesAsync(board, boardDirectory, staging, final, cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(final))
                Directory.Delete(final); // empty: checked above
            Directory.Move(staging, final);
            return summary;
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    private async Task<DemoSummary> RunStagesAsync(BoardDescriptor board, string boardDirectory, string staging, string final,
        CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var sizes = _options.Sizes;

        // 1. Data.
        string dataDirectory = Path.Combine(staging, "data");
        var dataSummary = _stages.Run(DemoStage.Data, () =>
        {
            var generator = new SyntheticGestureGenerator(new SyntheticGestureOptions
            {
                Users = sizes.Users,
                TestUsers = sizes.TestUsers,
                Seed = _options.Seed,
                SampleDuration = TimeSpan.FromSeconds(sizes.SampleSeconds),
                RepetitionsPerClass = sizes.Repetitions,
            });
            int recordings = sizes.Users * generator.Options.Lightings.Count;
            _stages.Report(DemoStage.Data, 0, recordings, "synthesizing DVS128 Gesture recordings");
            return generator.WriteDataset(dataDirectory, new Relay<SynthesisProgress>(p =>
                _stages.Report(DemoStage.Data, p.RecordingsDone, p.RecordingsTotal, $"recording {p.RecordingsDone}/{p.RecordingsTotal}")), cancellationToken);
        });
        var frames = DvsGestureFrames.Open(dataDirectory, cancellationToken: cancellationToken);

        // 2. Training-free search under the board's flash and SRAM.
        var space = _options.Space is { } named ? SearchSpaceCatalog.Resolve(named) : DemoSpace();
        var constraints = new BoardConstraints(board, new CompiledFootprintEstimator());
        var evaluator = new CachedEvaluator(new TrainingFreeEvaluator(
            framing => new SampleSubset(frames.Open(DataSplit.Train, framing), sizes.ProxySamples), _options.Seed));
        var searchOptions = new SearchOptions
        {
            Generations = sizes.Generations,
            Population = sizes.Population,
            Parents = Math.Max(2, sizes.Population / 2),
            Mutations = sizes.Population / 2,
            Crossovers = sizes.Population - sizes.Population / 2,
            Seed = _options.Seed,
        };
        string searchDirectory = Path.Combine(staging, "search");
        var search = _stages.Run(DemoStage.Search, () =>
        {
            var run = ArchitectureSearch.Start(space, evaluator, constraints, searchOptions, searchDirectory);
            _stages.Report(DemoStage.Search, 0, sizes.Generations, $"AutoST over {space.Name} on {board.Name}");
            run.Run(new Relay<GenerationProgress>(p => _stages.Report(DemoStage.Search, p.Generation, p.Generations, string.Create(CultureInfo.InvariantCulture,
                $"generation {p.Generation}/{p.Generations}: {p.Evaluations} evaluated, front {p.FrontSize}, best fitness {p.BestFitness:F3}"))), cancellationToken);
            return run;
        });
        var fitness = search.FitnessOverEvaluated();
        if (fitness.Count == 0)
            throw new NeuroException($"the search found no candidate of {space.Name} that fits board {board.Name}");
        // Training cost grows with FLOPs, and AutoST's fitness favours FLOPs: the run trains the fittest candidate it can
        // train within its time box, the cheapest one when none is that cheap.
        var trainable = search.Evaluated.Where(record => record.Evaluation!.Score <= sizes.TrainingFlops).ToList();
        if (trainable.Count == 0)
        {
            var cheapest = search.Evaluated.MinBy(record => record.Evaluation!.Score)!;
            _stages.Note(DemoStage.Search, string.Create(CultureInfo.InvariantCulture,
                $"no feasible candidate is within the training budget of {sizes.TrainingFlops:G3} FLOPs per sample; training the cheapest, {cheapest.Key} ({cheapest.Evaluation!.Score:G3})"));
            trainable = [cheapest];
        }
        var chosen = trainable.OrderByDescending(record => fitness[record.Key]).ThenBy(record => record.Key, StringComparer.Ordinal).First();
        var config = chosen.Candidate.ToConfig(space);

        // 3. Training: float epochs, then quantization-aware ones so the integer program agrees with the float model.
        var framing = ModelFraming.For(config);
        var train = frames.Open(DataSplit.Train, framing);
        var test = frames.Open(DataSplit.Test, framing);
        string modelDirectory = Path.Combine(staging, "model");
        var trainClock = Stopwatch.StartNew();
        using var model = _stages.Run(DemoStage.Train, () => Train(config, train, frames.ClassNames.Count, modelDirectory, cancellationToken));
        double trainSeconds = trainClock.Elapsed.TotalSeconds;

        // 4. Compile for the board, refuse what does not fit, measure float-vs-integer agreement on the whole test split.
        string programPath = Path.Combine(staging, "model.nsp");
        var (compiled, programBytes, plan, fit, agreement) = _stages.Run(DemoStage.Compile, () =>
        {
            _stages.Report(DemoStage.Compile, 0, test.Count, "quantizing and lowering to a spike program");
            model.eval();
            var result = SpikformerCompiler.Compile(model, config.Name);
            byte[] bytes = SpikeProgramFile.ToBytes(result.Program.Program);
            var memory = MemoryPlan.Of(result.Program, bytes.Length);
            var boardFit = memory.EnsureFits(board);
            var measured = Agreement.Measure(model, result.Program, test, test.Count,
                new Relay<int>(done => _stages.Report(DemoStage.Compile, done, test.Count, $"float vs integer: {done}/{test.Count} samples")), cancellationToken);
            SpikeProgramFile.Save(bytes, programPath);
            return (result, bytes, memory, boardFit, measured);
        });
        var program = compiled.Program;
        var input = program.Program.Input;
        var samples = Enumerable.Range(0, test.Count).Select(i => FramedProgramSamples.Encode(test, i, input)).ToList();
        var labels = Enumerable.Range(0, test.Count).Select(test.Label).ToList();

        // 5. Simulator audit: cycles, paper and full energy, firing rates.
        var hardware = HardwareModel.Shipped();
        var auditor = new Auditor(program, hardware);
        var audit = _stages.Run(DemoStage.Audit, () =>
        {
            int done = 0;
            _stages.Report(DemoStage.Audit, 0, samples.Count, $"simulating {samples.Count} samples on {hardware.Name}");
            return auditor.Run(samples, labels, Neuro.Sim.Audit.EnergyMode.Full, 1,
                () => _stages.Report(DemoStage.Audit, Interlocked.Increment(ref done), samples.Count, "simulating"), cancellationToken);
        });
        var simulated = samples.Select(sample => auditor.Engine.Run(sample)).ToList();

        // 6–9. Firmware, board, deploy, stream.
        var boardRun = new DemoBoardRun(board, boardDirectory, _options.ForceHostBoard, staging, _stages, ids => BoardProcessIds = ids);
        int streamed = Math.Min(sizes.StreamSamples == 0 ? samples.Count : sizes.StreamSamples, samples.Count);
        var onBoard = await boardRun.RunAsync(programBytes, programPath, samples.Take(streamed).ToList(), input, cancellationToken).ConfigureAwait(false);

        // 10. Report.
        var results = Enumerable.Range(0, streamed).Select(i => new DemoSampleResult(i, labels[i], agreement.FloatPredictions[i], simulated[i].PredictedClass,
            onBoard.Results[i].Predicted, onBoard.Results[i].Logits.AsSpan().SequenceEqual(simulated[i].Logits), onBoard.Results[i].Cycles)).ToList();
        var reportClock = Stopwatch.StartNew();
        _stages.Report(DemoStage.Report, 0, 1, "writing report.html, PNGs and summary.json");
        var summary = new DemoSummary(
            board.Name, onBoard.RanOn.Name, onBoard.RanOnReason, onBoard.Emulator, _options.Seed, sizes == DemoSizes.Quick,
            new DemoDataSummary(Path.Combine(final, "data"), train.Count, test.Count, dataSummary.Events),
            new DemoSearchSummary(space.Name, evaluator.Method, search.Evaluated.Count(), search.Records.Count(r => !r.Feasible), search.FrontRecords().Count,
                chosen.Key, fitness[chosen.Key], chosen.Evaluation!.Score, chosen.Evaluation.EnergyPicojoules, sizes.TrainingFlops),
            new DemoModelSummary(config.Name, model.parameters().Sum(p => p.numel()), config.TimeSteps, _floatEpochs, _quantizationAwareEpochs,
                Path.Combine(final, "model.nsp"), SpikeProgramFile.HashOf(programBytes), Math.Round(trainSeconds, 1)),
            new DemoAccuracy(test.Count, agreement.FloatAccuracy, agreement.IntegerAccuracy, agreement.Agreement, audit.Accuracy ?? 0,
                streamed, results.Count(r => r.Board == r.Label) / (double)Math.Max(1, streamed), results.Count(r => r.LogitsMatch && r.Board == r.Simulator)),
            Energy(board, onBoard, audit),
            onBoard.Figures,
            new DemoMemory(onBoard.Firmware.Footprint.FlashBytes, onBoard.Firmware.FlashTotal, onBoard.Firmware.Footprint.SramBytes, onBoard.Firmware.SramTotal,
                programBytes.Length, onBoard.Firmware.Capacity.ProgramBytes, plan.ArenaBytes, onBoard.Firmware.ArenaBytes,
                fit.FlashBytes, fit.FlashAvailable, fit.SramBytes, fit.SramAvailable),
            _stages.Timings.ToList(), Math.Round(total.Elapsed.TotalSeconds, 1),
            _stages.Notes.Select(n => $"{n.Stage.ToString().ToLowerInvariant()}: {n.Text}").ToList(), results);
        DemoReport.Write(staging, summary, search, space, board, audit, frames.ClassNames, agreement);
        // The report stage's own time and the total are known only now; summary.json is written last and marks a finished demo.
        summary = summary with
        {
            Stages = [.. _stages.Timings, new DemoStageTiming("report", Math.Round(reportClock.Elapsed.TotalSeconds, 1))],
            TotalSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
        };
        string path = Path.Combine(staging, SummaryFile);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(summary, JsonOptions));
        File.Move(path + ".tmp", path);
        _stages.Report(DemoStage.Report, 1, 1, $"done in {reportClock.Elapsed.TotalSeconds:F1} s");
        return summary;
    }

    /// <summary>The demo's own search space (demo-space.yaml, embedded).</summary>
    public static SearchSpace DemoSpace()
    {
        const string resource = "Neuro.Pipeline.demo-space.yaml";
        using var stream = typeof(DemoPipeline).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the embedded resource {resource} is missing from the build");
        using var reader = new StreamReader(stream);
        return SearchSpaceFile.Parse(reader.ReadToEnd(), "the demo's search space");
    }

    private static DemoEnergy Energy(BoardDescriptor board, DemoBoardResult onBoard, AuditResult audit)
    {
        double? picojoules = null;
        string? reason;
        if (board.Energy is null)
            reason = $"board {board.Name} gives no energy per cycle (board.json \"energy\": null), so cycles × energy per cycle has no figure";
        else if (onBoard.Figures.Instructions is not { } instructions)
            reason = $"the run on {onBoard.RanOn.Name} measured no cycles of {board.Name}: {onBoard.Figures.InstructionsReason}";
        else
        {
            // QEMU -icount counts instructions; one cycle per instruction is the estimate's stated assumption.
            picojoules = instructions * board.Energy.JoulesPerCycle * 1e12;
            reason = "QEMU -icount instructions × energy per cycle, assuming one cycle per instruction";
        }
        return new DemoEnergy(audit.PaperEnergy.Total, audit.FullEnergy.Total, audit.Cycles, picojoules, reason, audit.Hardware);
    }

    private SpikformerModel Train(ArchitectureConfig config, IFramedSamples train, int classes, string directory, CancellationToken cancellationToken)
    {
        var sizes = _options.Sizes;
        torch.manual_seed(_options.Seed);
        var model = SpikformerModel.Create(config);
        try
        {
            int totalEpochs = sizes.Epochs + sizes.QuantizationAwareEpochs;
            // Batches of 8 rather than the default 16: twice the optimizer steps per epoch, which a run of a few dozen epochs needs.
            var floatOptions = new TrainingOptions { Seed = _options.Seed, Epochs = sizes.Epochs, BatchSize = 8, LearningRate = 2e-3 };
            _stages.Report(DemoStage.Train, 0, totalEpochs, $"training {config.Name} ({model.parameters().Sum(p => p.numel()):N0} parameters) on {train.Count} samples");
            // No test pass per epoch: the compile stage measures float and integer accuracy on the whole test split once.
            _floatEpochs = TimeBoxed("float", sizes.FloatBudget, cancellationToken, token => Trainer.TrainModel(model, train, null, classes, floatOptions,
                new TrainingRun(Path.Combine(directory, "float"), torch.CPU, null, EpochRelay(0, totalEpochs, "float")), token));
            if (sizes.QuantizationAwareEpochs > 0)
            {
                // A tenth of the float peak: the int8 grid only nudges weights that are already trained.
                var quantized = floatOptions with { Epochs = sizes.QuantizationAwareEpochs, QuantizationAware = true, LearningRate = floatOptions.LearningRate / 10 };
                _quantizationAwareEpochs = TimeBoxed("quantization-aware", sizes.QuantizationAwareBudget, cancellationToken, token =>
                    Trainer.TrainModel(model, train, null, classes, quantized,
                        new TrainingRun(Path.Combine(directory, "quantization-aware"), torch.CPU, null, EpochRelay(sizes.Epochs, totalEpochs, "quantization-aware")),
                        token));
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one training phase under a wall-clock budget: on a loaded machine the phase stops between batches when the
    /// budget is spent (the weights trained so far are kept, and a note says so), so the demo keeps its time limit.
    /// </summary>
    /// <returns>Epochs completed (a partial last epoch counts as not completed).</returns>
    private int TimeBoxed(string phase, TimeSpan budget, CancellationToken cancellationToken, Func<CancellationToken, TrainingMetadata> train)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(budget);
        try
        {
            return train(limit.Token).EpochsCompleted;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            int done = _lastEpoch;
            _stages.Note(DemoStage.Train, string.Create(CultureInfo.InvariantCulture,
                $"{phase} training stopped by its {budget.TotalSeconds:F0} s budget in epoch {done + 1} (machine load); the weights trained so far are used"));
            return done;
        }
    }

    private Relay<TrainingProgress> EpochRelay(int epochsBefore, int totalEpochs, string phase) => new(p =>
    {
        _lastEpoch = p.Batch == p.Batches ? p.Epoch : p.Epoch - 1;
        _stages.Report(DemoStage.Train, epochsBefore + p.Epoch - 1 + (double)p.Batch / p.Batches, totalEpochs, string.Create(CultureInfo.InvariantCulture,
            $"{phase} epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:F3}, train accuracy {p.Accuracy:P0}, {p.SamplesPerSecond:F0} samples/s"));
    });

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (a dying emulator's) keeps the staging folder; it never becomes the report folder.
        }
    }
}
