using Neuro.Data.Events;
using Neuro.Data.Framing;
using ScottPlot;

namespace Neuro.Reports;

/// <summary>
/// Pictures of framed event data: the T frames of a sample side by side (ON events in red, OFF in blue,
/// brightness by count on a log scale) above an event raster (time against column, with the bin edges of the
/// framing drawn in), so that a reader can see both what the model gets and where it came from.
/// </summary>
public static class FramePlots
{
    private const int MaxColumns = 8;
    private const int Gap = 2;
    private const int MaxRasterEvents = 40_000;
    private static readonly Color OnColor = new(230, 57, 70);
    private static readonly Color OffColor = new(69, 123, 230);

    /// <summary>
    /// Writes a PNG of <paramref name="frames"/> (framed from <paramref name="events"/> with <paramref name="options"/>)
    /// and the raster of <paramref name="events"/> to <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="frames">The [T, 2, H, W] frames.</param>
    /// <param name="events">The events the frames were made from, in time order.</param>
    /// <param name="options">The framing used, for the bin edges in the raster.</param>
    /// <param name="title">A line describing the sample.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SaveFramesPng(string path, FrameTensor frames, EventBuffer events, FramingOptions options, string title,
        int width = 1600, int height = 1000)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(options);
        // A new Multiplot already holds one plot: start it with the frames and add the raster below.
        var multiplot = new Multiplot(FramesPlot(frames, title));
        multiplot.AddPlot(RasterPlot(events, options));
        multiplot.SavePng(path, width, height);
    }

    private static Plot FramesPlot(FrameTensor frames, string title)
    {
        var plot = new Plot();
        var columns = Math.Min(frames.Bins, MaxColumns);
        var rows = (frames.Bins + columns - 1) / columns;
        // Upscale small frames so every sensor pixel stays a crisp block in the PNG.
        var zoom = Math.Max(1, 96 / Math.Max(frames.Width, frames.Height));
        int tileW = frames.Width * zoom, tileH = frames.Height * zoom;
        int imageW = (columns * (tileW + Gap)) - Gap, imageH = (rows * (tileH + Gap)) - Gap;
        var rgb = new byte[imageH, imageW, 3];
        var max = frames.Data.Length == 0 ? 0 : frames.Data.Max();
        var scale = max > 0 ? 1 / MathF.Log(1 + max) : 0;
        for (var t = 0; t < frames.Bins; t++)
        {
            int left = (t % columns) * (tileW + Gap), top = (t / columns) * (tileH + Gap);
            var on = frames.Plane(t, FrameTensor.OnChannel);
            var off = frames.Plane(t, FrameTensor.OffChannel);
            for (var y = 0; y < tileH; y++)
            {
                for (var x = 0; x < tileW; x++)
                {
                    var i = ((y / zoom) * frames.Width) + (x / zoom);
                    var a = MathF.Log(1 + on[i]) * scale;
                    var b = MathF.Log(1 + off[i]) * scale;
                    // Additive mix on a near-black ground: pixels with both polarities turn magenta.
                    rgb[top + y, left + x, 0] = Channel(18, (OnColor.R * a) + (OffColor.R * b));
                    rgb[top + y, left + x, 1] = Channel(18, (OnColor.G * a) + (OffColor.G * b));
                    rgb[top + y, left + x, 2] = Channel(24, (OnColor.B * a) + (OffColor.B * b));
                }
            }
        }
        for (var y = 0; y < imageH; y++)
        {
            for (var x = 0; x < imageW; x++)
            {
                if ((x % (tileW + Gap)) >= tileW || (y % (tileH + Gap)) >= tileH)
                    rgb[y, x, 0] = rgb[y, x, 1] = rgb[y, x, 2] = 255;
            }
        }
        plot.Add.ImageRect(new Image(rgb), new CoordinateRect(0, imageW, 0, imageH));
        for (var t = 0; t < frames.Bins; t++)
        {
            var label = plot.Add.Text($"bin {t}", ((t % columns) * (tileW + Gap)) + 3, imageH - ((t / columns) * (tileH + Gap)) - 3);
            label.LabelFontColor = Colors.White;
            label.LabelFontSize = 11;
            label.LabelAlignment = Alignment.UpperLeft;
        }
        plot.HideAxesAndGrid();
        plot.Title(title, size: 14);
        plot.Axes.Title.IsVisible = true;
        plot.Axes.SquareUnits();
        plot.Axes.SetLimits(0, imageW, 0, imageH);
        return plot;
    }

    private static byte Channel(float ground, float value) => (byte)Math.Clamp(ground + value, 0, 255);

    private static Plot RasterPlot(EventBuffer events, FramingOptions options)
    {
        var plot = new Plot();
        var count = events.Count;
        var origin = count > 0 ? events.Timestamps[0] : 0;
        // A fixed stride keeps the picture deterministic and readable however many events the sample has.
        var stride = Math.Max(1, count / MaxRasterEvents);
        var onT = new List<double>();
        var onX = new List<double>();
        var offT = new List<double>();
        var offX = new List<double>();
        for (var i = 0; i < count; i += stride)
        {
            var t = (events.Timestamps[i] - origin) / 1000.0;
            if (events.Polarity[i] != 0)
            {
                onT.Add(t);
                onX.Add(events.X[i]);
            }
            else
            {
                offT.Add(t);
                offX.Add(events.X[i]);
            }
        }
        var on = plot.Add.Markers(onT.ToArray(), onX.ToArray(), MarkerShape.FilledCircle, 2, OnColor);
        on.LegendText = "ON";
        var off = plot.Add.Markers(offT.ToArray(), offX.ToArray(), MarkerShape.FilledCircle, 2, OffColor);
        off.LegendText = "OFF";
        if (count > 0)
        {
            var (starts, _) = EventFramer.BinBoundaries(events.Timestamps, options.Bins, options.Split);
            foreach (var start in starts.Skip(1).Where(s => s < count))
            {
                var edge = plot.Add.VerticalLine((events.Timestamps[start] - origin) / 1000.0, 1.5f, Colors.Black, LinePattern.Dashed);
                edge.ExcludeFromLegend = true;
            }
        }
        plot.Title($"Event raster ({count:N0} events{(stride > 1 ? $", every {stride}th shown" : string.Empty)}; dashed lines: bin edges, split by {options.Split.ToString().ToLowerInvariant()})", size: 13);
        plot.XLabel("time since first event (ms)");
        plot.YLabel("x (column)");
        plot.Axes.SetLimitsY(-1, options.SensorWidth);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
