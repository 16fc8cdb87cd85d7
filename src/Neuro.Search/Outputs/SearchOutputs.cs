using System.Globalization;
using System.Text;
using Neuro.Search.Candidates;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Search.Metrics;

namespace Neuro.Search.Outputs;

/// <summary>One line of <c>candidates.jsonl</c>.</summary>
public sealed record CandidateLine(
    string Key, int Generation, bool Feasible, IReadOnlyList<string> Violations, Footprint? Footprint,
    double? Accuracy, double? Proxy, double? EnergyPicojoules, EnergyMode? EnergyMode, long? Parameters, double? Seconds,
    double? Fitness, bool OnFront, Candidate Candidate,
    double? Cycles = null, double? LatencySeconds = null, double? SimulatorCycles = null, double? MeasuredEnergyPicojoules = null,
    CostAxis? Cost = null, string? Failed = null);

/// <summary>
/// One line of <c>measured.jsonl</c>: a candidate's host estimate beside what the board measured (written when the
/// evaluator measures on a board).
/// </summary>
/// <param name="Key">The candidate.</param>
/// <param name="Generation">The generation that proposed it.</param>
/// <param name="HostEnergyPicojoules">The host evaluator's energy (AutoST: seeds' formula at initialisation), pJ per sample.</param>
/// <param name="HostEnergyMode">How the host energy was obtained.</param>
/// <param name="FlashBytes">The compiler's memory plan: program flash.</param>
/// <param name="PeakSramBytes">The compiler's memory plan: arena.</param>
/// <param name="SimulatorCycles">Cycles per sample of the compiled program in the simulator's hardware model, when run.</param>
/// <param name="BoardCycles">Cycles per sample read from the board (instructions under QEMU -icount).</param>
/// <param name="BoardLatencySeconds">Board cycles at the board's clock.</param>
/// <param name="BoardEnergyPicojoules">Board cycles × energy per cycle, when board.json gives one.</param>
/// <param name="Cost">The cost axis the fitness used.</param>
/// <param name="OnFront">Whether the candidate is on its run's front.</param>
/// <param name="Failed">Why the board evaluation failed, when it did.</param>
public sealed record MeasuredLine(string Key, int Generation, double? HostEnergyPicojoules, EnergyMode? HostEnergyMode, long? FlashBytes,
    long? PeakSramBytes, double? SimulatorCycles, double? BoardCycles, double? BoardLatencySeconds, double? BoardEnergyPicojoules,
    CostAxis? Cost, bool OnFront, string? Failed);

/// <summary>Figures of one search run.</summary>
/// <param name="Method">evolution or random.</param>
/// <param name="Evaluator">autost, supernet, ….</param>
/// <param name="Evaluations">Feasible candidates evaluated.</param>
/// <param name="Infeasible">Candidates rejected by the board constraints.</param>
/// <param name="FrontSize">Candidates on the Pareto front.</param>
/// <param name="Hypervolume">Normalised hypervolume of the front (see <see cref="SearchOutputs.NormalisedHypervolume"/>).</param>
/// <param name="BestFitness">Largest fitness, min/max over this run's evaluated candidates.</param>
/// <param name="MeanEvaluationSeconds">Mean wall time of an evaluation.</param>
/// <param name="KendallTauProxyAccuracy">Kendall τ-b of proxy (FLOPs) against accuracy where both exist, else null.</param>
/// <param name="Failed">Candidates whose evaluation failed (board evaluator); null when none failed, so other searches' summaries keep their shape.</param>
/// <param name="Cost">The cost axis fitness and the front minimise; null for the host energy (the default).</param>
public sealed record RunSummary(string Method, string Evaluator, int Evaluations, int Infeasible, int FrontSize, double Hypervolume,
    double BestFitness, double MeanEvaluationSeconds, double? KendallTauProxyAccuracy, int? Failed = null, CostAxis? Cost = null);

/// <summary>Writes a search run's files and computes the figures the report compares.</summary>
public static class SearchOutputs
{
    public const string CandidatesFile = "candidates.jsonl";
    public const string FrontFile = "front.json";
    public const string MeasuredFile = "measured.jsonl";

    /// <summary>
    /// Hypervolume in a unit box shared by all runs being compared: score s' = (s − s_min) / (s_max − s_min) and
    /// cost e' = e / e_max (the cost axis: energy, or a board's measured energy or latency), with min and max over the
    /// union of their evaluated candidates; reference point (s' = 0, e' = 1.1), so the highest-cost points still add
    /// area. The value lies in [0, 1.1].
    /// </summary>
    public static double NormalisedHypervolume(IEnumerable<CandidateEvaluation> run, IReadOnlyCollection<CandidateEvaluation> union)
    {
        if (union.Count == 0)
            return 0;
        double sMin = union.Min(e => e.Score), sMax = union.Max(e => e.Score), eMax = union.Max(e => e.CostValue);
        double sRange = sMax > sMin ? sMax - sMin : 1;
        var points = run.Select(e => new ObjectivePoint((e.Score - sMin) / sRange + 1e-12, e.CostValue / eMax)).ToArray();
        return Pareto.Hypervolume(points, new ObjectivePoint(0, 1.1));
    }

    /// <summary>Writes <c>candidates.jsonl</c> and <c>front.json</c> into <paramref name="directory"/> and returns the summary.</summary>
    public static RunSummary Write(ArchitectureSearch search, string evaluator, string directory, IReadOnlyCollection<CandidateEvaluation> union)
    {
        var fitness = search.FitnessOverEvaluated();
        var front = search.FrontRecords();
        var onFront = front.Select(record => record.Key).ToHashSet(StringComparer.Ordinal);
        var lines = search.Records.Select(record => new CandidateLine(
            record.Key, record.Generation, record.Feasible, record.Violations, record.Footprint,
            record.Evaluation?.Accuracy, record.Evaluation?.Proxy, record.Evaluation?.EnergyPicojoules, record.Evaluation?.Energy,
            record.Evaluation?.Parameters, record.Evaluation?.Seconds,
            fitness.TryGetValue(record.Key, out double f) ? f : null, onFront.Contains(record.Key), record.Candidate,
            record.Evaluation?.Cycles, record.Evaluation?.LatencySeconds, record.Evaluation?.SimulatorCycles, record.Evaluation?.MeasuredEnergyPicojoules,
            record.Evaluation?.Cost, record.Evaluation?.Failed)).ToArray();
        AtomicWrite(Path.Combine(directory, CandidatesFile), string.Join("\n", lines.Select(SearchState.Serialize)) + "\n");
        AtomicWrite(Path.Combine(directory, FrontFile), SearchState.Serialize(lines.Where(line => line.OnFront).ToArray()));
        var measured = MeasuredLines(search);
        if (measured.Count > 0)
            AtomicWrite(Path.Combine(directory, MeasuredFile), string.Join("\n", measured.Select(SearchState.Serialize)) + "\n");

        var evaluated = search.Evaluated.Select(record => record.Evaluation!).ToArray();
        var paired = evaluated.Where(e => e is { Accuracy: not null, Proxy: not null }).ToArray();
        double? tau = paired.Length >= 2 ? KendallTau.TauB(paired.Select(e => e.Proxy!.Value).ToArray(), paired.Select(e => e.Accuracy!.Value).ToArray()) : null;
        return new RunSummary(search.Options.Method.ToString().ToLowerInvariant(), evaluator, evaluated.Length,
            search.Records.Count(record => !record.Feasible), front.Count, NormalisedHypervolume(evaluated, union),
            fitness.Count == 0 ? double.NaN : fitness.Values.Max(), evaluated.Length == 0 ? 0 : evaluated.Average(e => e.Seconds), tau,
            search.Failed.Any() ? search.Failed.Count() : null, evaluated.Select(e => e.Cost).FirstOrDefault(cost => cost is not null));
    }

    /// <summary>
    /// Host estimate beside board measurement for every candidate a board evaluated (successfully or not); empty when the
    /// evaluator measured nothing on a board.
    /// </summary>
    public static IReadOnlyList<MeasuredLine> MeasuredLines(ArchitectureSearch search)
    {
        var onFront = search.FrontRecords().Select(record => record.Key).ToHashSet(StringComparer.Ordinal);
        return search.Records
            .Where(record => record.Evaluation is { } e && (e.Failed is not null || e.Cost is CostAxis.Latency or CostAxis.BoardEnergy))
            .Select(record =>
            {
                var e = record.Evaluation!;
                bool failed = e.Failed is not null;
                return new MeasuredLine(record.Key, record.Generation, failed ? null : e.EnergyPicojoules, failed ? null : e.Energy,
                    record.Footprint?.FlashBytes, record.Footprint?.PeakSramBytes, e.SimulatorCycles, e.Cycles, e.LatencySeconds,
                    e.MeasuredEnergyPicojoules, e.Cost, onFront.Contains(record.Key), e.Failed);
            }).ToArray();
    }

    /// <summary>The Markdown table of <see cref="MeasuredLines"/>: host-estimated and board-measured figures side by side.</summary>
    public static string MeasuredTable(IReadOnlyList<MeasuredLine> lines, string cycleUnit)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(c, $"| candidate | gen | front | host energy (µJ) | flash (B) | SRAM (B) | simulator cycles | board {cycleUnit} | board latency (ms) | board energy (µJ) | failed |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        static string Number(double? value, double scale, string format) => value is double v ? (v * scale).ToString(format, CultureInfo.InvariantCulture) : "–";
        foreach (var line in lines)
        {
            text.AppendLine(c,
                $"| `{line.Key}` | {line.Generation} | {(line.OnFront ? "yes" : "")} | {Number(line.HostEnergyPicojoules, 1e-6, "0.000")} | {line.FlashBytes?.ToString(c) ?? "–"} | {line.PeakSramBytes?.ToString(c) ?? "–"} | {Number(line.SimulatorCycles, 1, "N0")} | {Number(line.BoardCycles, 1, "N0")} | {Number(line.BoardLatencySeconds, 1e3, "0.000")} | {Number(line.BoardEnergyPicojoules, 1e-6, "0.000")} | {line.Failed ?? ""} |");
        }
        return text.ToString();
    }

    /// <summary>The Markdown report: settings, the comparison table, the front and the reference preset.</summary>
    public static string Report(string title, IReadOnlyList<string> settings, IReadOnlyList<RunSummary> runs,
        IReadOnlyList<CandidateRecord> front, CandidateEvaluation? preset, string presetName, IReadOnlyList<string>? presetViolations,
        string? plotFile)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"# {title}").AppendLine();
        foreach (string setting in settings)
            text.AppendLine(c, $"- {setting}");
        text.AppendLine().AppendLine("| run | evaluations | infeasible | front | hypervolume | best fitness | s / evaluation | Kendall τ (FLOPs vs accuracy) |")
            .AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var run in runs)
        {
            text.AppendLine(c,
                $"| {run.Method} ({run.Evaluator}) | {run.Evaluations} | {run.Infeasible} | {run.FrontSize} | {run.Hypervolume:0.0000} | {run.BestFitness:0.0000} | {run.MeanEvaluationSeconds:0.0000} | {(run.KendallTauProxyAccuracy is double tau ? tau.ToString("0.000", c) : "n/a")} |");
        }
        text.AppendLine().AppendLine("Hypervolume: both runs' candidates normalised together (score by min–max, energy by the largest), reference point (0, 1.1).")
            .AppendLine().AppendLine("## Front of the evolution").AppendLine()
            .AppendLine("| candidate | score | energy (µJ) | latency (ms) | parameters | flash (B) | peak SRAM (B) |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var record in front)
        {
            var e = record.Evaluation!;
            string latency = e.LatencySeconds is double seconds ? (seconds * 1e3).ToString("0.000", c) : "–";
            text.AppendLine(c,
                $"| `{record.Key}` | {e.Score:G4} | {e.EnergyPicojoules * 1e-6:0.000} | {latency} | {e.Parameters} | {record.Footprint?.FlashBytes.ToString(c) ?? "–"} | {record.Footprint?.PeakSramBytes.ToString(c) ?? "–"} |");
        }
        text.AppendLine().AppendLine(
            preset is null ? $"Reference preset `{presetName}` is not a point of this space, so it is not marked."
            : FormattableString.Invariant($"Reference preset `{presetName}` (the diamond): score {preset.Score:G4}, energy {preset.EnergyPicojoules * 1e-6:0.000} µJ, {preset.Parameters} parameters")
              + (presetViolations is { Count: > 0 } ? $"; it does not fit the board ({string.Join("; ", presetViolations)})." : "."));
        if (plotFile is not null)
            text.AppendLine().AppendLine(c, $"![front]({plotFile})");
        return text.ToString();
    }

    /// <summary>Writes through a temporary file and a move, so readers never see half a file.</summary>
    public static void AtomicWrite(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + $".tmp-{Environment.ProcessId}";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
