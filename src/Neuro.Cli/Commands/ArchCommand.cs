using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Core.Errors;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro arch</c>: the layer table, totals and (given firing rates) the energy of an architecture.</summary>
public static class ArchCommand
{
    public static Command Create(CliContext context)
    {
        var preset = new Option<string?>("--preset")
        {
            Description = $"A named architecture ({string.Join(", ", Presets.Names)}); default {Presets.DefaultName}",
        };
        var config = new Option<FileInfo?>("--config") { Description = "An architecture config JSON file (see docs/architecture.md)" };
        var firingRates = new Option<FileInfo?>("--firing-rates")
        {
            Description = "JSON object of layer name → mean output value per element per step; adds SOPs and energy",
        };
        var saveConfig = new Option<FileInfo?>("--save-config") { Description = "Also write the config as JSON, a starting point for --config" };
        var json = JsonOutput.CreateOption();

        var command = new Command("arch", "Show an architecture's layer table, parameter and MAC totals, and energy from firing rates")
        {
            preset, config, firingRates, saveConfig, json,
        };
        VerbAction.Set(command, context, (parseResult, _) =>
        {
            var architecture = Resolve(parseResult.GetValue(preset), parseResult.GetValue(config));
            var table = LayerTable.From(architecture);
            var rates = parseResult.GetValue(firingRates) is { } ratesFile ? FiringRates.Load(ratesFile.FullName) : null;
            var energy = rates is null ? null : EnergyModel.Estimate(table, rates);
            if (parseResult.GetValue(saveConfig) is { } target)
                ArchitectureJson.Save(architecture, target.FullName);

            return JsonOutput.Report(context, parseResult.GetValue(json), ArchReport.From(table, energy), Render);
        });
        return command;
    }

    internal static ArchitectureConfig Resolve(string? preset, FileInfo? config)
    {
        if (preset is not null && config is not null)
            throw new NeuroException("give either --preset or --config, not both");
        return config is not null ? ArchitectureJson.Load(config.FullName) : Presets.Get(preset ?? Presets.DefaultName);
    }

    private static void Render(IAnsiConsole console, ArchReport report)
    {
        var (config, energy) = (report.Config, report.Energy);
        console.MarkupLine(
            $"[bold]{Markup.Escape(config.Name)}[/]  input {config.Input.Channels}×{config.Input.Height}×{config.Input.Width}"
            + (config.Input.Downsample > 1 ? $" ÷{config.Input.Downsample}" : "")
            + $" ({config.Input.Encoding})  T={config.TimeSteps}  C={config.EmbedDim}  depth={config.Depth}"
            + $"  tokens={report.Tokens}  classes={config.Classes}  attention={config.AttentionOrder}");

        var layers = new Table().Border(TableBorder.Simple)
            .AddColumns("layer", "kind", "input", "output", "in", "params", "MACs/step", "neurons");
        foreach (var layer in report.Layers)
        {
            layers.AddRow(layer.Name, layer.Kind.ToString(), Shape(layer.InputShape), Shape(layer.OutputShape),
                layer.InputKind + (layer.MaxInputValue is > 1 ? $"≤{layer.MaxInputValue}" : ""),
                Count(layer.Parameters), Count(layer.MacsPerStep), Count(layer.Neurons));
        }
        console.Write(layers);
        console.MarkupLine(
            $"parameters [bold]{Count(report.Parameters)}[/] ({report.Parameters / 1e6:F2} M)   "
            + $"dense MACs/step [bold]{Count(report.MacsPerStep)}[/]   dense MACs/sample [bold]{Count(report.MacsPerSample)}[/]   "
            + $"neurons {Count(report.Neurons)}");

        if (energy is null)
            return;
        var energyTable = new Table().Border(TableBorder.Simple).AddColumns("layer", "op", "input rate", "operations/sample", "energy (pJ)");
        foreach (var line in energy.Layers)
        {
            energyTable.AddRow(line.Layer, line.Operation.ToString().ToUpperInvariant(),
                line.InputRate?.ToString("F4", CultureInfo.InvariantCulture) ?? "-",
                line.Operations.ToString("N0", CultureInfo.InvariantCulture),
                line.Picojoules.ToString("N1", CultureInfo.InvariantCulture));
        }
        console.Write(energyTable);
        console.MarkupLine(
            $"MACs {energy.MacOperations:N0} × {CostTable.Horowitz45nm[CostTable.Keys.Mac]} pJ + "
            + $"SOPs {energy.SynapticOperations:N0} × {CostTable.Horowitz45nm[CostTable.Keys.Ac]} pJ = "
            + $"[bold]{energy.TotalPicojoules / 1e6:F4} µJ[/] per sample ({energy.TotalMillijoules:F6} mJ)");
    }

    private static string Shape(IReadOnlyList<int> shape) => string.Join("×", shape);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>The <c>neuro arch --json</c> document; field names are part of the CLI contract (docs/cli.md).</summary>
public sealed record ArchReport(
    string Name,
    ArchitectureConfig Config,
    int Tokens,
    long Parameters,
    long MacsPerStep,
    long MacsPerSample,
    long Neurons,
    IReadOnlyList<LayerInfo> Layers,
    EnergyEstimate? Energy)
{
    public static ArchReport From(LayerTable table, EnergyEstimate? energy) =>
        new(table.Config.Name, table.Config, table.Tokens, table.TotalParameters, table.MacsPerStep, table.MacsPerSample,
            table.TotalNeurons, table.Layers, energy);
}
