using ScottPlot;

namespace Neuro.Reports.Sim;

/// <summary>One layer's energy split into named components (pJ per sample).</summary>
/// <param name="Layer">Op name, shown on the axis.</param>
/// <param name="Components">Component name → pJ (charts show µJ); every layer of one chart lists the same components in the same order.</param>
public sealed record LayerEnergyBars(string Layer, IReadOnlyList<(string Component, double Picojoules)> Components);

/// <summary>
/// The charts of a simulator audit (<c>neuro sim --report</c>): energy per layer stacked by component, firing rates per
/// layer, and paper against full energy. They take plain numbers so that Reports needs no reference to the simulator.
/// </summary>
public static class EnergyCharts
{
    private static readonly Color[] Palette =
    [
        new(230, 57, 70), new(69, 123, 230), new(42, 157, 143), new(233, 196, 106), new(244, 162, 97), new(131, 56, 236), new(120, 120, 120), new(29, 53, 87),
    ];

    /// <summary>Horizontal bars, one per layer, stacked by component; layers read top to bottom in program order.</summary>
    public static void SaveEnergyPerLayerPng(string path, IReadOnlyList<LayerEnergyBars> layers, string title, int width = 1400)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var plot = new Plot();
        var names = layers.Count == 0 ? [] : layers[0].Components.Select(c => c.Component).ToArray();
        var bars = new List<Bar>();
        for (int i = 0; i < layers.Count; i++)
        {
            double position = layers.Count - 1 - i, left = 0;
            for (int c = 0; c < names.Length; c++)
            {
                double value = layers[i].Components[c].Picojoules / 1e6;
                if (value <= 0)
                    continue;
                bars.Add(new Bar { Position = position, ValueBase = left, Value = left + value, FillColor = Palette[c % Palette.Length], Orientation = Orientation.Horizontal });
                left += value;
            }
        }
        plot.Add.Bars(bars);
        for (int c = 0; c < names.Length; c++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = names[c], FillColor = Palette[c % Palette.Length] });
        plot.ShowLegend(Alignment.LowerRight);
        LabelLayers(plot, layers.Select(l => l.Layer).ToArray(), vertical: true);
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.02, top: 0.02);
        plot.XLabel("energy per sample (µJ)");
        plot.Title(title);
        plot.SavePng(path, width, Math.Max(400, 60 + 22 * layers.Count));
    }

    /// <summary>Input and output firing rates per layer (mean value per element per step) as grouped bars.</summary>
    public static void SaveFiringRatesPng(string path, IReadOnlyList<(string Layer, double? Input, double? Output)> layers, string title, int width = 1400)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Input is { } input)
                bars.Add(new Bar { Position = 3 * i, Value = input, FillColor = Palette[1] });
            if (layers[i].Output is { } output)
                bars.Add(new Bar { Position = 3 * i + 1, Value = output, FillColor = Palette[0] });
        }
        plot.Add.Bars(bars);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "input rate", FillColor = Palette[1] });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "output rate", FillColor = Palette[0] });
        plot.ShowLegend(Alignment.UpperRight);
        var ticks = layers.Select((l, i) => new Tick(3 * i + 0.5, l.Layer)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 200;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("mean value per element per step");
        plot.Title(title);
        plot.SavePng(path, width, 700);
    }

    /// <summary>Total energy per sample in each mode, stacked by component, side by side.</summary>
    public static void SavePaperVersusFullPng(string path, IReadOnlyList<(string Component, double Picojoules)> paper,
        IReadOnlyList<(string Component, double Picojoules)> full, string title, int width = 900)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var modes = new[] { paper, full };
        for (int m = 0; m < modes.Length; m++)
        {
            double bottom = 0;
            for (int c = 0; c < modes[m].Count; c++)
            {
                double value = modes[m][c].Picojoules / 1e6;
                if (value <= 0)
                    continue;
                bars.Add(new Bar { Position = m, ValueBase = bottom, Value = bottom + value, FillColor = Palette[c % Palette.Length] });
                bottom += value;
            }
            plot.Add.Text($"{bottom:G4} µJ", m, bottom).Alignment = Alignment.LowerCenter;
        }
        plot.Add.Bars(bars);
        for (int c = 0; c < full.Count; c++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = full[c].Component, FillColor = Palette[c % Palette.Length] });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([new Tick(0, "paper (E_MAC, E_AC)"), new Tick(1, "full (45 nm table)")]);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.YLabel("energy per sample (µJ)");
        plot.Title(title);
        plot.SavePng(path, width, 700);
    }

    private static void LabelLayers(Plot plot, string[] names, bool vertical)
    {
        var ticks = names.Select((name, i) => new Tick(names.Length - 1 - i, name)).ToArray();
        var axis = vertical ? (ScottPlot.IAxis)plot.Axes.Left : plot.Axes.Bottom;
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
    }
}
