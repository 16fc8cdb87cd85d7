using ScottPlot;

namespace Neuro.Reports.Classification;

/// <summary>PNG of a confusion matrix: true class down, predicted class across, each cell shaded by its share of the row and labelled with its count.</summary>
public static class ConfusionMatrixPlot
{
    /// <param name="path">The PNG to write.</param>
    /// <param name="counts">counts[true][predicted]; square, one row per class.</param>
    /// <param name="classNames">Axis labels, one per class.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="size">Width and height in pixels.</param>
    /// <exception cref="ArgumentException">The matrix is not square or does not match the class names.</exception>
    public static void SavePng(string path, IReadOnlyList<IReadOnlyList<int>> counts, IReadOnlyList<string> classNames, string title, int size = 900)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = classNames.Count;
        if (counts.Count != n || counts.Any(row => row.Count != n))
            throw new ArgumentException($"a confusion matrix of {n} classes needs {n}×{n} counts", nameof(counts));
        var plot = new Plot();
        var low = new Color(247, 251, 255);
        var high = new Color(8, 48, 107);
        for (int truth = 0; truth < n; truth++)
        {
            int rowTotal = counts[truth].Sum();
            for (int predicted = 0; predicted < n; predicted++)
            {
                int count = counts[truth][predicted];
                double share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                // Row n-1-truth so the first class is at the top, as matrices are read.
                double y = n - 1 - truth;
                var cell = plot.Add.Rectangle(predicted - 0.5, predicted + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = Blend(low, high, share);
                cell.LineColor = Colors.White;
                if (count > 0)
                {
                    var label = plot.Add.Text(count.ToString(System.Globalization.CultureInfo.InvariantCulture), predicted, y);
                    label.Alignment = Alignment.MiddleCenter;
                    label.LabelFontColor = share > 0.5 ? Colors.White : Colors.Black;
                    label.LabelFontSize = 14;
                }
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(classNames.Select((name, i) => new Tick(i, name)).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(classNames.Select((name, i) => new Tick(n - 1 - i, name)).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        plot.Axes.Right.MinimumSize = 70; // room for the last rotated class name
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.Title(title);
        plot.SavePng(path, size, size);
    }

    private static Color Blend(Color low, Color high, double t) => new(
        (byte)Math.Round(low.R + (high.R - low.R) * t), (byte)Math.Round(low.G + (high.G - low.G) * t), (byte)Math.Round(low.B + (high.B - low.B) * t));
}
