using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neuro.Sim.Audit;

/// <summary>Writes an <see cref="AuditResult"/> as report.json (for machines) and report.md (for people), each through a temp file and a move.</summary>
public static class AuditReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void WriteJson(string path, AuditResult result) =>
        WriteAtomically(path, JsonSerializer.Serialize(result, JsonOptions));

    /// <summary>The Markdown report; <paramref name="charts"/> are PNG file names beside it, each with a caption.</summary>
    public static void WriteMarkdown(string path, AuditResult result, IReadOnlyList<(string File, string Caption)> charts)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Energy audit: {result.Program} on {result.Hardware}");
        md.AppendLine();
        md.AppendLine(c, $"{result.Samples} samples, T = {result.TimeSteps}, clock {result.ClockHz / 1e6:G4} MHz. Figures are means per sample.");
        md.AppendLine();
        md.AppendLine("| total | value |");
        md.AppendLine("|---|---|");
        if (result.Accuracy is { } accuracy)
            md.AppendLine(c, $"| accuracy | {accuracy:P2} |");
        md.AppendLine(c, $"| energy, paper mode (E_MAC·MACs + E_AC·SOPs) | {Energy(result.PaperEnergy.Total)} |");
        md.AppendLine(c, $"| energy, full mode (45 nm table, SRAM, neurons, queue) | {Energy(result.FullEnergy.Total)} |");
        md.AppendLine(c, $"| SOPs (effective ACs) / dense-equivalent | {Number(result.SynapticOps)} / {Number(result.DenseOperations)} |");
        md.AppendLine(c, $"| MACs | {Number(result.Macs)} |");
        md.AppendLine(c, $"| cycles | {Number(result.Cycles)} |");
        md.AppendLine(c, $"| latency at the clock | {result.LatencySeconds * 1e3:G4} ms |");
        md.AppendLine();
        md.AppendLine("## Per layer");
        md.AppendLine();
        md.AppendLine("| # | op | kind | in rate | out rate | events | SOPs | dense ops | MACs | neuron upd. | W read B | A read B | A write B | acc. B | S read B | S write B | cycles | util. | paper | full |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var l in result.Layers)
        {
            md.AppendLine(c, $"| {l.Index} | {l.Name} | {l.Kind} | {Rate(l.InputRate)} | {Rate(l.OutputRate)} | {Number(l.Events)} | {Number(l.SynapticOps)} | "
                + $"{Number(l.DenseOperations)} | {Number(l.Macs)} | {Number(l.NeuronUpdates)} | {Number(l.WeightReadBytes)} | {Number(l.ActivationReadBytes)} | "
                + $"{Number(l.ActivationWriteBytes)} | {Number(l.AccumulatorBytes)} | {Number(l.StateReadBytes)} | {Number(l.StateWriteBytes)} | {Number(l.Cycles)} | "
                + $"{(l.Utilisation is { } u ? u.ToString("P1", c) : "–")} | {Energy(l.PaperEnergy.Total)} | {Energy(l.FullEnergy.Total)} |");
        }
        md.AppendLine();
        md.AppendLine("## Full-mode energy by component");
        md.AppendLine();
        md.AppendLine("| component | pJ per sample | share |");
        md.AppendLine("|---|---|---|");
        foreach (var (component, pj) in result.FullEnergy.Components)
            md.AppendLine(c, $"| {component} | {pj.ToString("N1", c)} | {(result.FullEnergy.Total > 0 ? pj / result.FullEnergy.Total : 0).ToString("P1", c)} |");
        md.AppendLine();
        foreach (var (file, caption) in charts)
        {
            md.AppendLine(c, $"![{caption}]({file})");
            md.AppendLine();
        }
        md.AppendLine("Model: docs/simulator.md. Energy table: Horowitz, ISSCC 2014, 45 nm (src/Neuro.Core/Energy/CostTable.cs).");
        WriteAtomically(path, md.ToString());
    }

    private static string Rate(double? rate) => rate is { } r ? r.ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static string Number(double value) => value.ToString(value >= 100 || value == Math.Floor(value) ? "N0" : "N2", CultureInfo.InvariantCulture);

    private static string Energy(double picojoules) => picojoules switch
    {
        >= 1e6 => (picojoules / 1e6).ToString("G4", CultureInfo.InvariantCulture) + " µJ",
        >= 1e3 => (picojoules / 1e3).ToString("G4", CultureInfo.InvariantCulture) + " nJ",
        _ => picojoules.ToString("G4", CultureInfo.InvariantCulture) + " pJ",
    };

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
