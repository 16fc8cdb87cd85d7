using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Errors;
using Neuro.Data.Caching;
using Neuro.Data.Gestures;
using Neuro.Program;
using Neuro.Reports.Sim;
using Neuro.Sim.Audit;
using Neuro.Sim.Hardware;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro sim</c>: run a spike program on framed DVS samples and audit its energy, cycles and accuracy.</summary>
public static class SimCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("program") { Description = "A spike program file (.nsp)" };
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (real, or made by 'neuro data synth'); its test split is simulated", Required = true };
        var samples = new Option<int>("--samples") { Description = "How many test samples (the first N)", DefaultValueFactory = _ => 32 };
        var mode = new Option<EnergyMode>("--mode") { Description = "Energy the summary leads with: paper (E_MAC·MACs + E_AC·SOPs) or full (45 nm table, SRAM, neurons, queue)", DefaultValueFactory = _ => EnergyMode.Full };
        var hardware = new Option<FileInfo?>("--hardware") { Description = $"Hardware model JSON (sim/hardware/*.json); default: the shipped {HardwareModel.DefaultName}" };
        var report = new Option<DirectoryInfo>("--report") { Description = "Folder for report.json, report.md and the PNG charts", Required = true };
        var json = JsonOutput.CreateOption();
        var command = new Command("sim", "Simulate a spike program on DVS samples: bit-exact execution, cycles, energy audit, accuracy")
        {
            file, data, samples, mode, hardware, report, json,
        };
        VerbAction.Set(command, context, (parseResult, cancellationToken) =>
        {
            string path = parseResult.GetValue(file)!.FullName;
            var verified = ProgramVerifier.Verify(SpikeProgramFile.Load(path));
            var model = parseResult.GetValue(hardware) is { } hardwareFile ? HardwareModel.Load(hardwareFile.FullName) : HardwareModel.Shipped();
            int count = parseResult.GetValue(samples);
            if (count < 1)
                throw new NeuroException($"--samples must be ≥ 1, got {count}");
            var auditor = new Auditor(verified, model);

            var input = verified.Program.Input;
            string root = parseResult.GetValue(data)!.FullName;
            var framed = new FrameCache(Path.Combine(root, ".frame-cache"))
                .GetOrBuild(DvsGestureDataset.Open(root), DvsGestureSplit.Test, ProgramFraming.For(input), cancellationToken);
            var chosen = framed.Samples.Take(count).ToList();
            if (chosen.Count == 0)
                throw new NeuroException($"{root}: the test split holds no samples");
            var bytes = chosen.Select(s => ProgramFraming.ToSample(s.Frames, input)).ToList();
            var labels = chosen.Select(s => s.ClassIndex).ToList();

            AuditResult result;
            if (context.Interactive)
            {
                result = context.Console.Progress().Start(progress =>
                {
                    var task = progress.AddTask($"simulating {bytes.Count} samples", maxValue: bytes.Count);
                    int done = 0;
                    return auditor.Run(bytes, labels, parseResult.GetValue(mode), 0,
                        () => task.Value = Interlocked.Increment(ref done), cancellationToken);
                });
            }
            else
                result = auditor.Run(bytes, labels, parseResult.GetValue(mode), 0, null, cancellationToken);

            string directory = parseResult.GetValue(report)!.FullName;
            Directory.CreateDirectory(directory);
            WriteReport(directory, result);
            return JsonOutput.Report(context, parseResult.GetValue(json), result, (console, r) => Render(console, r, directory));
        });
        return command;
    }

    private static void WriteReport(string directory, AuditResult result)
    {
        string title = $"{result.Program} on {result.Hardware}, {result.Samples} samples";
        var charts = new List<(string, string)>
        {
            ("energy-per-layer.png", "Full-mode energy per layer, stacked by component"),
            ("firing-rates.png", "Input and output firing rates per layer"),
            ("paper-vs-full.png", "Paper against full energy per sample"),
        };
        EnergyCharts.SaveEnergyPerLayerPng(Path.Combine(directory, "energy-per-layer.png"),
            [.. result.Layers.Select(l => new LayerEnergyBars(l.Name, l.FullEnergy.Components))], $"Energy per layer (full mode): {title}");
        EnergyCharts.SaveFiringRatesPng(Path.Combine(directory, "firing-rates.png"),
            [.. result.Layers.Where(l => l.InputRate is not null || l.Kind == OpKind.Lif).Select(l => (l.Name, l.InputRate, l.OutputRate))],
            $"Firing rates: {title}");
        EnergyCharts.SavePaperVersusFullPng(Path.Combine(directory, "paper-vs-full.png"),
            result.PaperEnergy.Components, result.FullEnergy.Components, $"Paper vs full energy: {title}");
        AuditReportWriter.WriteJson(Path.Combine(directory, "report.json"), result);
        AuditReportWriter.WriteMarkdown(Path.Combine(directory, "report.md"), result, charts);
    }

    private static void Render(IAnsiConsole console, AuditResult r, string directory)
    {
        var c = CultureInfo.InvariantCulture;
        console.MarkupLine($"[bold]{Markup.Escape(r.Program)}[/] on {Markup.Escape(r.Hardware)}: {r.Samples} samples"
            + (r.Accuracy is { } a ? $", accuracy [bold]{a.ToString("P2", c)}[/]" : ""));
        var table = new Table().Border(TableBorder.Simple).AddColumns("op", "in rate", "out rate", "SOPs", "MACs", "cycles", "paper pJ", "full pJ");
        foreach (var l in r.Layers)
        {
            table.AddRow(Markup.Escape(l.Name), l.InputRate?.ToString("F4", c) ?? "–", l.OutputRate?.ToString("F4", c) ?? "–",
                l.SynapticOps.ToString("N0", c), l.Macs.ToString("N0", c), l.Cycles.ToString("N0", c),
                l.PaperEnergy.Total.ToString("N0", c), l.FullEnergy.Total.ToString("N0", c));
        }
        console.Write(table);
        console.MarkupLine($"energy per sample: paper [bold]{(r.PaperEnergy.Total / 1e6).ToString("G4", c)} µJ[/], full [bold]{(r.FullEnergy.Total / 1e6).ToString("G4", c)} µJ[/]; "
            + $"{r.Cycles.ToString("N0", c)} cycles = {(r.LatencySeconds * 1e3).ToString("G4", c)} ms at {(r.ClockHz / 1e6).ToString("G4", c)} MHz");
        console.MarkupLine($"report: {Markup.Escape(Path.Combine(directory, "report.md"))}");
    }
}
