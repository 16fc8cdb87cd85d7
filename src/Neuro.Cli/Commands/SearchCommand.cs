using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Boards;
using Neuro.Core.Errors;
using Neuro.Core.SearchSpaces;
using Neuro.Link;
using Neuro.Models;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using Neuro.Reports.Search;
using Neuro.Search.Candidates;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Search.InTheLoop;
using Neuro.Search.Metrics;
using Neuro.Search.Outputs;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Cli.Commands;

/// <summary>
/// <c>neuro search</c>: DSPS evolution (or random search) over a search space with a training-free (AutoST) or
/// supernet-inherited (Auto-Spikformer) evaluator, under a board's flash and SRAM limits; an evolution run is followed
/// by a random baseline with the same number of evaluations. Writes candidates, fronts, a report and a PNG.
/// <c>--evaluator sim</c> takes energy and cycles from the compiled program in the simulator; <c>--evaluator board</c>
/// measures every candidate on a board over the serial link (a port, or an emulated board started here).
/// </summary>
public static class SearchCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (real, or from 'neuro data synth')", Required = true };
        var spaceOption = new Option<string?>("--space") { Description = $"Shipped space ({string.Join(", ", SearchSpaceCatalog.Names)}) or a YAML/JSON file; default {SearchSpaceCatalog.DefaultName} (supernet: the checkpoint's)" };
        var method = new Option<string>("--method") { Description = "autost (training-free), supernet (inherited weights) or random (baseline only)", Required = true };
        method.AcceptOnlyFromAmong("autost", "supernet", "random");
        var boardOption = new Option<string>("--board") { Description = "Target board (boards/<name>): candidates must fit its program flash and SRAM", Required = true };
        var supernetOption = new Option<DirectoryInfo?>("--supernet") { Description = "Supernet checkpoint from 'neuro supernet train' (needed by --method supernet)" };
        var generations = new Option<int?>("--generations") { Description = "Generations (default 20)" };
        var population = new Option<int?>("--population") { Description = "Candidates per generation (default 50; half mutations, half crossovers)" };
        var alpha = new Option<double?>("--alpha") { Description = "Fitness weight of accuracy against energy (default 0.5)" };
        var variant = new Option<string>("--variant") { Description = "paper (top 20, Pd 0.3, Pm 0.4) or code (top 10, s_prob 0.4, m_prob 0.2)", DefaultValueFactory = _ => "paper" };
        variant.AcceptOnlyFromAmong("paper", "code");
        var latency = new Option<double?>("--latency-ms") { Description = "Latency budget per sample (needs a footprint estimator with cycles)" };
        var samples = new Option<int>("--samples") { Description = "autost: samples whose firing at initialisation gives the energy", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the search and of autost's initialisation", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto (supernet evaluation)", DefaultValueFactory = _ => "cpu" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (state, candidates, fronts, report)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the search saved in --out" };
        var evaluatorOption = new Option<string>("--evaluator")
        {
            Description = "proxy (the --method's host evaluator), sim (compiled program in the simulator: energy and cycles) or board (deploy and stream on a board: measured cycles and latency)",
            DefaultValueFactory = _ => "proxy",
        };
        evaluatorOption.AcceptOnlyFromAmong("proxy", "sim", "board");
        var port = new Option<string?>("--port") { Description = "--evaluator board: the board's serial port or tcp:HOST:PORT (default: build the loader firmware for --board and start its emulator here)" };
        var key = new Option<FileInfo?>("--key") { Description = "--evaluator board with --port: the deploy key file the board's loader was built with" };
        var boardSamples = new Option<int>("--board-samples") { Description = "sim/board: validation samples run per candidate (K)", DefaultValueFactory = _ => 4 };
        var simEnergy = new Option<string>("--sim-energy") { Description = "--evaluator sim: paper (seeds' formula on counted operations) or full (45 nm table with memory traffic)", DefaultValueFactory = _ => "full" };
        simEnergy.AcceptOnlyFromAmong("paper", "full");
        var cache = DatasetOptions.CreateCacheOption();

        var command = new Command("search", "Architecture search: DSPS evolution with a training-free, supernet, simulator or board-in-the-loop evaluator under board constraints")
        {
            data, spaceOption, method, boardOption, supernetOption, generations, population, alpha, variant, latency, samples, seed, device, output, resume,
            evaluatorOption, port, key, boardSamples, simEnergy, cache,
        };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            string target = parseResult.GetValue(output)!.FullName;
            string chosen = parseResult.GetValue(method)!;
            var board = BoardCatalog.Load(parseResult.GetValue(boardOption)!);
            double? latencyMs = parseResult.GetValue(latency);
            string evaluatorKind = parseResult.GetValue(evaluatorOption)!;
            if (evaluatorKind != "board" && (parseResult.GetValue(port) is not null || parseResult.GetValue(key) is not null))
                throw new NeuroException("--port and --key are for --evaluator board");
            int k = parseResult.GetValue(boardSamples);
            if (k < 1)
                throw new NeuroException($"--board-samples must be at least 1, got {k}");
            var constraints = new BoardConstraints(board, new CompiledFootprintEstimator(), latencyMs / 1e3, measuredLatency: evaluatorKind == "board");
            var frames = DatasetOptions.Open(parseResult.GetValue(data)!, parseResult.GetValue(cache), cancellationToken);
            var checkpointDirectory = parseResult.GetValue(supernetOption);
            if (chosen == "supernet" && checkpointDirectory is null)
                throw new NeuroException("--method supernet needs --supernet CKPT (train one with 'neuro supernet train')");

            SearchSpace space;
            SpikformerSupernet? supernet = null;
            ICandidateEvaluator inner;
            if (checkpointDirectory is not null)
            {
                var checkpoint = Checkpoint.Open(checkpointDirectory.FullName);
                space = checkpoint.Space ?? throw new NeuroException($"{checkpointDirectory.FullName} is not a supernet checkpoint (no {Checkpoint.SpaceFile})");
                string? named = parseResult.GetValue(spaceOption);
                if (named is not null && SearchSpaceCatalog.Resolve(named).Name != space.Name)
                    throw new NeuroException($"--space {named} differs from the supernet's space '{space.Name}'; inherited weights exist only for the latter");
                var torchDevice = TorchDevices.Resolve(parseResult.GetValue(device)!);
                supernet = SpikformerSupernet.Wrap(space, checkpoint.LoadModel());
                if (torchDevice.type != DeviceType.CPU)
                    supernet.Model.to(torchDevice);
                var framed = new Dictionary<ModelFraming, (IFramedSamples, IFramedSamples)>();
                inner = new SupernetEvaluator(supernet, framing => framed.TryGetValue(framing, out var pair) ? pair
                        : framed[framing] = (frames.Open(DataSplit.Train, framing), frames.Open(DataSplit.Test, framing)),
                    new SupernetEvaluationOptions(), torchDevice);
            }
            else
            {
                space = SearchSpaceCatalog.Resolve(parseResult.GetValue(spaceOption) ?? SearchSpaceCatalog.DefaultName);
                int count = parseResult.GetValue(samples);
                inner = new TrainingFreeEvaluator(framing => new SampleSubset(frames.Open(DataSplit.Train, framing), count), parseResult.GetValue(seed));
            }
            using var _ = supernet;
            ICandidateModels models = supernet is null ? new SeededModels(parseResult.GetValue(seed)) : new InheritedModels(supernet);
            var validation = new ProgramSampleSet(framing => frames.Open(DataSplit.Test, framing), k);
            await using var connection = evaluatorKind == "board"
                ? await ConnectAsync(context, board, parseResult.GetValue(port), parseResult.GetValue(key), target, cancellationToken).ConfigureAwait(false)
                : null;
            var measuring = connection is null ? null : new BoardEvaluator(inner, models, validation, connection);
            ICandidateEvaluator chosenEvaluator = evaluatorKind switch
            {
                "sim" => new SimulatorEvaluator(models, validation, board,
                    parseResult.GetValue(simEnergy) == "paper" ? Neuro.Sim.Audit.EnergyMode.Paper : Neuro.Sim.Audit.EnergyMode.Full),
                "board" => measuring!,
                _ => inner,
            };
            var evaluator = new CachedEvaluator(chosenEvaluator);

            var options = parseResult.GetValue(variant) == "code" ? SearchOptions.PublicCode : new SearchOptions();
            if (parseResult.GetValue(population) is int size)
                options = options with { Mutations = size / 2, Crossovers = size - size / 2 };
            options = options with
            {
                Generations = parseResult.GetValue(generations) ?? options.Generations,
                Population = parseResult.GetValue(population) ?? options.Population,
                Alpha = parseResult.GetValue(alpha) ?? options.Alpha,
                Seed = parseResult.GetValue(seed),
                Method = chosen == "random" ? SearchMethod.Random : SearchMethod.Evolution,
            };
            bool resuming = parseResult.GetValue(resume);
            string evolutionDirectory = Path.Combine(target, "evolution"), randomDirectory = Path.Combine(target, "random");

            await context.Error.WriteLineAsync(FormattableString.Invariant(
                $"searching {space.Name} with {evaluator.Method} on {board.Name} ({board.ProgramFlashBytes} B flash, {board.ProgramSramBytes} B SRAM for programs): {options.Generations} generations of {options.Population}, alpha {options.Alpha}"))
                .ConfigureAwait(false);

            ArchitectureSearch? evolution = null;
            if (options.Method == SearchMethod.Evolution)
            {
                evolution = Open(space, evaluator, constraints, options, evolutionDirectory, resuming);
                await RunAsync(context, "evolution", evolution, cancellationToken).ConfigureAwait(false);
            }
            var randomOptions = options with { Method = SearchMethod.Random, EvaluationBudget = evolution?.Evaluated.Count() ?? options.Generations * options.Population };
            var random = Open(space, evaluator, constraints, randomOptions, randomDirectory, resuming && File.Exists(Path.Combine(randomDirectory, SearchState.FileName)));
            await RunAsync(context, "random baseline", random, cancellationToken).ConfigureAwait(false);

            WriteReport(context, target, space, board, constraints, evaluator, evolution, random, Describe(chosenEvaluator, measuring, parseResult.GetValue(boardSamples)),
                measuring?.CycleUnit, cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>A settings line saying where the figures come from.</summary>
    private static string Describe(ICandidateEvaluator evaluator, BoardEvaluator? measuring, int samples) => evaluator switch
    {
        SimulatorEvaluator sim => string.Create(CultureInfo.InvariantCulture,
            $"simulator evaluator: energy in {sim.Mode.ToString().ToLowerInvariant()} mode and cycles of `{sim.Hardware.Name}` at {sim.Hardware.ClockHz / 1e6:0.###} MHz, {samples} validation samples per candidate; score = FLOPs proxy"),
        BoardEvaluator when measuring is not null => string.Create(CultureInfo.InvariantCulture,
            $"board evaluator: {samples} validation samples per candidate on the board, board figures in {measuring.CycleUnit} (cycles = instructions at one per cycle under QEMU -icount); cost axis {measuring.Cost}; score and host energy from the host evaluator"),
        _ => $"evaluator `{evaluator.Method}` on the host",
    };

    /// <summary>The board for <c>--evaluator board</c>: the port given, or a loader firmware built and emulated here (stopped when the search ends or on Ctrl+C).</summary>
    private static async Task<IBoardConnection> ConnectAsync(CliContext context, BoardDescriptor board, string? port, FileInfo? keyFile, string target,
        CancellationToken cancellationToken)
    {
        if (port is not null)
        {
            if (keyFile is null)
                throw new NeuroException("--evaluator board --port needs --key FILE: the deploy key the board's loader firmware was built with");
            return new PortBoardConnection(board, port, BoardKey.Load(keyFile.FullName), board.Gpio is { } pins ? GpioBoardControl.Open(pins) : null);
        }
        if (board.Emulator is null)
            throw new NeuroException($"board {board.Name} has no emulator: give --port P of the real board running the loader firmware");
        string directory = Path.Combine(target, "board");
        await context.Error.WriteLineAsync($"building the loader firmware for {board.Name} and starting its emulator (instruction counting)").ConfigureAwait(false);
        return await EmulatedBoardConnection.BuildAsync(board, BoardCatalog.DirectoryOf(board.Name), directory, cancellationToken).ConfigureAwait(false);
    }

    private static ArchitectureSearch Open(SearchSpace space, ICandidateEvaluator evaluator, BoardConstraints constraints, SearchOptions options,
        string directory, bool resume)
    {
        if (resume)
            return ArchitectureSearch.Resume(space, evaluator, constraints, directory);
        if (File.Exists(Path.Combine(directory, SearchState.FileName)))
            throw new NeuroException($"{directory} already holds a search; add --resume to continue it or choose another --out");
        return ArchitectureSearch.Start(space, evaluator, constraints, options, directory);
    }

    private static async Task RunAsync(CliContext context, string title, ArchitectureSearch search, CancellationToken cancellationToken)
    {
        if (!context.Interactive)
        {
            var lines = new GenerationLines(context.Output, title);
            await Task.Run(() => search.Run(lines, cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(Markup.Escape(title), maxValue: search.Options.Generations);
                task.Value = search.CompletedGenerations;
                await Task.Run(() => search.Run(new GenerationBar(task, title), cancellationToken), cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private static string Describe(string title, GenerationProgress p) => FormattableString.Invariant(
        $"{title}: generation {p.Generation}/{p.Generations}, best fitness {p.BestFitness:F4}, front {p.FrontSize}, {p.Evaluations} evaluated, {p.EvaluationsPerSecond:F2} evaluations/s, ETA {TimeSpan.FromSeconds(Math.Round(p.Eta.TotalSeconds)):c}");

    private static void WriteReport(CliContext context, string target, SearchSpace space, BoardDescriptor board, BoardConstraints constraints,
        ICandidateEvaluator evaluator, ArchitectureSearch? evolution, ArchitectureSearch random, string source, string? cycleUnit,
        CancellationToken cancellationToken)
    {
        var runs = new[] { evolution, random }.OfType<ArchitectureSearch>().ToArray();
        var union = runs.SelectMany(run => run.Evaluated).Select(record => record.Evaluation!).ToArray();
        var summaries = runs.Select(run => SearchOutputs.Write(run, evaluator.Method,
            run == evolution ? Path.Combine(target, "evolution") : Path.Combine(target, "random"), union)).ToArray();

        var presetCandidate = Candidate.FromConfig(space.Template);
        var presetFeasibility = presetCandidate.IsIn(space) ? constraints.Check(presetCandidate.ToConfig(space)) : null;
        // The preset is marked even when it does not fit the board: it is the reference point, not a search result.
        CandidateEvaluation? preset = presetFeasibility is null ? null : evaluator.Evaluate(presetCandidate.ToConfig(space), cancellationToken);
        string presetName = Neuro.Core.Architecture.Presets.Names.FirstOrDefault(name =>
            Candidate.FromConfig(Neuro.Core.Architecture.Presets.Get(name)) == presetCandidate) ?? space.Template.Name;
        bool accuracy = union.Any(e => e.Accuracy is not null);
        var axis = union.Select(e => e.Cost).FirstOrDefault(cost => cost is not null) ?? CostAxis.Energy;
        // The cost axis in a readable unit: µJ for energies, ms for latency.
        FrontPoint Point(CandidateEvaluation e) => new(e.Score, axis == CostAxis.Latency ? e.CostValue * 1e3 : e.CostValue * 1e-6);
        if (preset is { Failed: not null } || (preset is not null && axis != CostAxis.Energy && preset.Cost != axis))
            preset = null;
        var main = evolution ?? random;
        FrontPlot.SavePng(Path.Combine(target, "front.png"), new FrontPlotData(
            $"{space.Name}: {evaluator.Method} on {board.Name}", accuracy ? "accuracy (validation)" : "FLOPs proxy (AutoST)",
            evolution?.Evaluated.Select(r => Point(r.Evaluation!)).ToArray() ?? [], evolution?.FrontRecords().Select(r => Point(r.Evaluation!)).ToArray() ?? [],
            random.Evaluated.Select(r => Point(r.Evaluation!)).ToArray(), random.FrontRecords().Select(r => Point(r.Evaluation!)).ToArray(),
            preset is null ? null : Point(preset),
            $"preset {presetName}" + (presetFeasibility is { Feasible: false } ? " (does not fit the board)" : ""),
            axis switch
            {
                CostAxis.Latency => $"measured latency per sample on {board.Name} (ms; {cycleUnit} at {board.ClockHz / 1e6:0.###} MHz)",
                CostAxis.BoardEnergy => $"board energy per sample on {board.Name} (µJ, cycles × energy per cycle)",
                _ => evaluator.Method == "sim" ? "energy per sample (µJ, simulator)" : "energy per sample (µJ, seeds' formula)",
            }));

        var c = CultureInfo.InvariantCulture;
        var settings = new List<string>
        {
            $"space `{space.Name}`, evaluator `{evaluator.Method}`, board `{board.Name}` ({board.ProgramFlashBytes} B flash, {board.ProgramSramBytes} B SRAM for programs; footprints by `{constraints.Estimator.Name}`)",
            string.Create(c, $"{main.Options.Generations} generations × {main.Options.Population}, parents {main.Options.Parents}, {main.Options.Mutations} mutations + {main.Options.Crossovers} crossovers, Pd {main.Options.DepthMutationProbability}, Pm {main.Options.GeneMutationProbability}, α {main.Options.Alpha}, seed {main.Options.Seed}"),
            source,
            axis switch
            {
                CostAxis.Latency => "fitness = α·minmax(score) + (1 − α)·(1 − minmax(measured latency)), min/max over the run's feasible, successfully measured candidates (failed ones excluded); fronts and hypervolume use latency as their cost axis (board.json gives no energy per cycle)",
                CostAxis.BoardEnergy => "fitness = α·minmax(score) + (1 − α)·(1 − minmax(board energy = cycles × energy per cycle)), min/max over the run's feasible, successfully measured candidates",
                _ => "fitness = α·minmax(score) + (1 − α)·(1 − minmax(energy)), min/max over the run's feasible evaluated candidates",
            },
        };
        string report = SearchOutputs.Report($"Search report: {space.Name}", settings, summaries, main.FrontRecords(), preset, presetName,
            presetFeasibility?.Violations, "front.png");
        if (cycleUnit is not null)
        {
            var sections = new System.Text.StringBuilder(report);
            foreach (var run in runs)
            {
                sections.AppendLine().AppendLine(c, $"## Host estimate vs board measurement ({run.Options.Method.ToString().ToLowerInvariant()})").AppendLine()
                    .AppendLine("Host: AutoST energy (seeds' formula at initialisation), the compiler's memory plan, and the simulator's cycles on its own hardware model (neuro-ac64, not the board's core). Board: measured per sample, mean over the validation samples.")
                    .AppendLine().Append(SearchOutputs.MeasuredTable(SearchOutputs.MeasuredLines(run), cycleUnit));
            }
            report = sections.ToString();
        }
        SearchOutputs.AtomicWrite(Path.Combine(target, "report.md"), report);
        SearchOutputs.AtomicWrite(Path.Combine(target, "summary.json"), System.Text.Json.JsonSerializer.Serialize(summaries, JsonOutput.Options));
        foreach (var summary in summaries)
        {
            string tau = summary.KendallTauProxyAccuracy is double value ? string.Create(c, $", Kendall τ(FLOPs, accuracy) {value:F3}") : "";
            string failed = summary.Failed is int count ? string.Create(c, $", {count} failed") : "";
            context.Console.WriteLine(string.Create(c,
                $"{summary.Method}: {summary.Evaluations} evaluated, {summary.Infeasible} infeasible{failed}, front {summary.FrontSize}, hypervolume {summary.Hypervolume:F4}, {summary.MeanEvaluationSeconds * 1e3:F1} ms/evaluation{tau}"));
        }
        context.Console.WriteLine($"report: {Path.Combine(target, "report.md")}");
    }

    /// <summary>Reports synchronously, so the bar shows generations in order.</summary>
    private sealed class GenerationBar(ProgressTask task, string title) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value)
        {
            task.MaxValue = value.Generations;
            task.Value = value.Generation;
            task.Description = Markup.Escape(Describe(title, value));
        }
    }

    private sealed class GenerationLines(TextWriter output, string title) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => output.WriteLine(Describe(title, value));
    }
}
