using ScottPlot;

namespace Neuro.Reports.Search;

/// <summary>A point of the accuracy (or proxy) – energy plane.</summary>
public readonly record struct FrontPoint(double Score, double EnergyMicrojoules);

/// <summary>
/// What the front chart shows: every candidate of both runs, their fronts, and the reference preset (null when it is not
/// a point of the space). The score axis is labelled with <c>ScoreLabel</c> ("accuracy" or "FLOPs proxy"); the cost axis
/// with <c>CostLabel</c> (energy by default; a board search's measured latency or board energy, in the points' unit).
/// </summary>
public sealed record FrontPlotData(
    string Title, string ScoreLabel,
    IReadOnlyList<FrontPoint> Evolution, IReadOnlyList<FrontPoint> EvolutionFront,
    IReadOnlyList<FrontPoint> Random, IReadOnlyList<FrontPoint> RandomFront,
    FrontPoint? Preset, string PresetName, string CostLabel = "energy per sample (µJ, seeds' formula)");

/// <summary>PNG of a search's Pareto front (energy on x, score on y) against the random baseline, with the preset marked.</summary>
public static class FrontPlot
{
    public static void SavePng(string path, FrontPlotData data, int width = 1000, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(data);
        var plot = new Plot();
        void Cloud(IReadOnlyList<FrontPoint> points, Color color, string label)
        {
            if (points.Count == 0)
                return;
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.EnergyMicrojoules).ToArray(), points.Select(p => p.Score).ToArray(), color.WithAlpha(0.35));
            scatter.MarkerSize = 4;
            scatter.LegendText = label;
        }
        void Front(IReadOnlyList<FrontPoint> points, Color color, string label)
        {
            if (points.Count == 0)
                return;
            var ordered = points.OrderBy(p => p.EnergyMicrojoules).ToArray();
            var line = plot.Add.Scatter(ordered.Select(p => p.EnergyMicrojoules).ToArray(), ordered.Select(p => p.Score).ToArray(), color);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 7;
            line.LineWidth = 2;
            line.LegendText = label;
        }
        Color evolution = new(230, 57, 70), random = new(69, 123, 230);
        Cloud(data.Random, random, "random: all");
        Cloud(data.Evolution, evolution, "evolution: all");
        Front(data.RandomFront, random, "random: front");
        Front(data.EvolutionFront, evolution, "evolution: front");
        if (data.Preset is FrontPoint preset)
        {
            var marker = plot.Add.Marker(preset.EnergyMicrojoules, preset.Score, MarkerShape.FilledDiamond, 14, Colors.Black);
            marker.LegendText = data.PresetName;
        }
        plot.Title(data.Title);
        plot.XLabel(data.CostLabel);
        plot.YLabel(data.ScoreLabel);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, width, height);
    }
}
