using System.Globalization;
using System.Net;
using System.Text;
using Neuro.Compiler;
using Neuro.Core.Boards;
using Neuro.Core.SearchSpaces;
using Neuro.Program;
using Neuro.Reports.Classification;
using Neuro.Reports.Search;
using Neuro.Reports.Sim;
using Neuro.Search.Evaluation;
using Neuro.Search.Evolution;
using Neuro.Search.Outputs;
using Neuro.Sim.Audit;

namespace Neuro.Pipeline;

/// <summary>The demo's report folder: <c>report.html</c>, its PNG charts, the search's and the audit's own outputs.</summary>
internal static class DemoReport
{
    public const string FrontPng = "pareto-front.png";
    public const string EnergyPng = "energy-per-layer.png";
    public const string FiringPng = "firing-rates.png";
    public const string PaperFullPng = "paper-vs-full.png";
    public const string ConfusionPng = "confusion-matrix.png";

    public static IReadOnlyList<string> Charts { get; } = [FrontPng, EnergyPng, FiringPng, PaperFullPng, ConfusionPng];

    public static void Write(string directory, DemoSummary summary, ArchitectureSearch search, SearchSpace space, BoardDescriptor board,
        AuditResult audit, IReadOnlyList<string> classNames, AgreementReport agreement)
    {
        var evaluated = search.Evaluated.Select(record => record.Evaluation!).ToArray();
        SearchOutputs.Write(search, summary.Search.Method, Path.Combine(directory, "search"), evaluated);
        static FrontPoint Point(CandidateEvaluation e) => new(e.Score, e.EnergyPicojoules * 1e-6);
        var chosen = search.Evaluated.First(record => record.Key == summary.Search.Chosen);
        FrontPlot.SavePng(Path.Combine(directory, FrontPng), new FrontPlotData(
            $"{space.Name}: AutoST on {board.Name}", "FLOPs proxy (AutoST)",
            evaluated.Select(Point).ToArray(), search.FrontRecords().Select(r => Point(r.Evaluation!)).ToArray(), [], [],
            Point(chosen.Evaluation!), $"trained: {chosen.Key}"));

        string title = $"{audit.Program} on {audit.Hardware}, {audit.Samples} samples";
        EnergyCharts.SaveEnergyPerLayerPng(Path.Combine(directory, EnergyPng),
            [.. audit.Layers.Select(l => new LayerEnergyBars(l.Name, l.FullEnergy.Components))], $"Energy per layer (full mode): {title}");
        EnergyCharts.SaveFiringRatesPng(Path.Combine(directory, FiringPng),
            [.. audit.Layers.Where(l => l.InputRate is not null || l.Kind == OpKind.Lif).Select(l => (l.Name, l.InputRate, l.OutputRate))],
            $"Firing rates: {title}");
        EnergyCharts.SavePaperVersusFullPng(Path.Combine(directory, PaperFullPng),
            audit.PaperEnergy.Components, audit.FullEnergy.Components, $"Paper vs full energy: {title}");
        string auditDirectory = Path.Combine(directory, "audit");
        Directory.CreateDirectory(auditDirectory);
        AuditReportWriter.WriteJson(Path.Combine(auditDirectory, "report.json"), audit);
        AuditReportWriter.WriteMarkdown(Path.Combine(auditDirectory, "report.md"), audit,
            [($"../{EnergyPng}", "Full-mode energy per layer"), ($"../{FiringPng}", "Firing rates per layer"), ($"../{PaperFullPng}", "Paper against full energy")]);

        var confusion = Enumerable.Range(0, classNames.Count).Select(_ => new int[classNames.Count]).ToArray();
        foreach (var sample in summary.Samples)
            confusion[sample.Label][sample.Board]++;
        ConfusionMatrixPlot.SavePng(Path.Combine(directory, ConfusionPng), confusion, classNames,
            $"On-board confusion matrix: {summary.Samples.Count} test samples on {summary.RanOn}");

        File.WriteAllText(Path.Combine(directory, DemoPipeline.ReportFile), Html(summary, agreement));
    }

    private const string Style =
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto} table{border-collapse:collapse;margin:1em 0} "
        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left} img{max-width:100%;border:1px solid #eee}";

    private static string Html(DemoSummary s, AgreementReport agreement)
    {
        var c = CultureInfo.InvariantCulture;
        string E(string text) => WebUtility.HtmlEncode(text);
        string Uj(double picojoules) => (picojoules / 1e6).ToString("G4", c) + " µJ";
        string Kib(long bytes) => (bytes / 1024.0).ToString("N1", c) + " KiB";
        var html = new StringBuilder();
        html.Append(c, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Neuro demo: {E(s.Model.Config)} on {E(s.Board)}</title>
            <style>{Style}</style>
            </head><body>
            <h1>Neuro demo: {E(s.Model.Config)} on {E(s.Board)}</h1>
            <p>Synthetic DVS128 Gesture ({s.Data.TrainSamples} training, {s.Data.TestSamples} test samples, {s.Data.Events:N0} events) → AutoST search over
            <code>{E(s.Search.Space)}</code> ({s.Search.Evaluated} candidates, {s.Search.Infeasible} infeasible on {E(s.Board)}) → {s.Model.Epochs} float + {s.Model.QuantizationAwareEpochs}
            quantization-aware epochs → spike program <code>{E(Path.GetFileName(s.Model.Program))}</code> (sha256 {E(s.Model.ProgramHash[..16])}…) → simulator audit →
            loader firmware → <b>{E(s.RanOn)}</b> ({E(s.Emulator)}) → deploy → {s.Accuracy.StreamedSamples} test samples streamed. Seed {s.Seed}{(s.Quick ? ", quick sizes" : "")}.</p>

            """);
        if (s.RanOnReason is not null)
            html.Append(c, $"<p><b>Board:</b> {E(s.RanOnReason)}</p>\n");
        html.Append(c, $"""
            <h2>Accuracy</h2>
            <table><tr><th>float model</th><th>integer program</th><th>float–integer agreement</th><th>simulator</th><th>on the board</th><th>board = simulator (logits, per sample)</th></tr>
            <tr><td>{s.Accuracy.Float:P1}</td><td>{s.Accuracy.Integer:P1}</td><td>{s.Accuracy.Agreement:P1} ({agreement.Agreements}/{agreement.Samples})</td><td>{s.Accuracy.Simulator:P1}</td>
            <td>{s.Accuracy.OnBoard:P1} ({s.Accuracy.StreamedSamples} samples)</td><td>{s.Accuracy.BoardMatchesSimulator}/{s.Accuracy.StreamedSamples}</td></tr></table>
            <h2>Energy and work per inference</h2>
            <table><tr><th>paper (E_MAC·MACs + E_AC·SOPs)</th><td>{Uj(s.Energy.PaperPicojoules)}</td></tr>
            <tr><th>full (45 nm table, SRAM, neurons, queue) on {E(s.Energy.Hardware)}</th><td>{Uj(s.Energy.FullPicojoules)}</td></tr>
            <tr><th>board estimate (cycles × energy per cycle)</th><td>{(s.Energy.BoardPicojoules is { } board ? Uj(board) : "none")}: {E(s.Energy.BoardReason ?? "")}</td></tr>
            <tr><th>simulator cycles</th><td>{s.Energy.SimulatorCycles:N0}</td></tr>
            <tr><th>board counter</th><td>{s.OnBoard.Counter:N0} {E(s.OnBoard.CounterUnit)}</td></tr>
            <tr><th>instructions on the board</th><td>{(s.OnBoard.Instructions is { } instructions ? instructions.ToString("N0", c) : "none: " + E(s.OnBoard.InstructionsReason ?? ""))}</td></tr>
            <tr><th>latency per sample over the link</th><td>{s.OnBoard.MeanLatencyMs:F1} ms</td></tr>
            <tr><th>deploy</th><td>{s.OnBoard.ProgramBytes:N0} B in {s.OnBoard.DeploySeconds:F2} s ({s.OnBoard.WireBytes:N0} B on the wire)</td></tr></table>
            <h2>Memory</h2>
            <table><tr><th></th><th>used</th><th>available</th></tr>
            <tr><td>firmware flash</td><td>{Kib(s.Memory.FirmwareFlashBytes)}</td><td>{Kib(s.Memory.FlashBytes)}</td></tr>
            <tr><td>firmware SRAM (data + bss: runtime, arena, slots, stack)</td><td>{Kib(s.Memory.FirmwareSramBytes)}</td><td>{Kib(s.Memory.SramBytes)}</td></tr>
            <tr><td>program file in a loader slot</td><td>{Kib(s.Memory.ProgramFileBytes)}</td><td>{Kib(s.Memory.ProgramSlotBytes)}</td></tr>
            <tr><td>program buffers in the loader's arena</td><td>{Kib(s.Memory.ProgramArenaBytes)}</td><td>{Kib(s.Memory.ArenaBytes)}</td></tr>
            <tr><td>compile-time plan: flash / SRAM for programs</td><td>{Kib(s.Memory.PlanFlashBytes)} / {Kib(s.Memory.PlanSramBytes)}</td><td>{Kib(s.Memory.PlanFlashAvailable)} / {Kib(s.Memory.PlanSramAvailable)}</td></tr></table>

            """);
        string[] captions =
        [
            "Pareto front of the training-free search (FLOPs proxy against estimated energy); the trained candidate is marked",
            "Energy per layer (full mode), stacked by component", "Firing rates per layer", "Paper against full energy per inference",
            "Confusion matrix of the board's predictions",
        ];
        html.Append("<h2>Charts</h2>\n");
        for (int i = 0; i < Charts.Count; i++)
            html.Append(c, $"<figure><img src=\"{Charts[i]}\" alt=\"{E(captions[i])}\"><figcaption>{E(captions[i])}</figcaption></figure>\n");
        html.Append("<h2>Stages</h2>\n<table><tr><th>stage</th><th>seconds</th></tr>\n");
        foreach (var stage in s.Stages)
            html.Append(c, $"<tr><td>{E(stage.Stage)}</td><td>{stage.Seconds:F1}</td></tr>\n");
        html.Append("</table>\n");
        if (s.Notes.Count > 0)
            html.Append("<h2>Notes</h2>\n<ul>\n").AppendJoin("", s.Notes.Select(note => $"<li>{E(note)}</li>\n")).Append("</ul>\n");
        html.Append("<p>Machine-readable: <a href=\"summary.json\">summary.json</a>; search: <code>search/</code>; audit: <a href=\"audit/report.md\">audit/report.md</a>.</p>\n</body></html>\n");
        return html.ToString();
    }
}
