using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Errors;
using Neuro.Data.Events;
using Neuro.Data.Formats;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;
using Neuro.Data.Synthetic;
using Neuro.Reports;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro data</c>: make, inspect and picture DVS event data.</summary>
public static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("data", "Synthesize, inspect and picture DVS event data (AEDAT 2.0, 3.1, 4.0; DVS128 Gesture layout)");
        command.Subcommands.Add(CreateSynth(context));
        command.Subcommands.Add(CreateInspect(context));
        command.Subcommands.Add(CreateFrames(context));
        return command;
    }

    private static Command CreateSynth(CliContext context)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the data set to", Required = true };
        var users = new Option<int>("--users") { Description = "Number of users (subjects), 2–29", DefaultValueFactory = _ => 6 };
        var testUsers = new Option<int>("--test-users") { Description = "How many of them form the test split (numbered from 24)", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes byte-identical files", DefaultValueFactory = _ => 1 };
        var lighting = new Option<string[]>("--lighting")
        {
            Description = $"Lighting condition, repeatable ({string.Join(", ", SyntheticGestureOptions.KnownLightings)})",
            DefaultValueFactory = _ => ["fluorescent"],
            AllowMultipleArgumentsPerToken = true,
        };
        var duration = new Option<double>("--duration") { Description = "Seconds per gesture sample", DefaultValueFactory = _ => 1.5 };
        var repetitions = new Option<int>("--repetitions") { Description = "Times each recording performs each class", DefaultValueFactory = _ => 1 };
        var json = JsonOutput.CreateOption();

        var command = new Command("synth", "Write a synthetic DVS128-Gesture-like data set (AEDAT 3.1, labels, split lists)")
        {
            output, users, testUsers, seed, lighting, duration, repetitions, json,
        };
        VerbAction.Set(command, context, (parseResult, cancellationToken) =>
        {
            var options = new SyntheticGestureOptions
            {
                Users = parseResult.GetValue(users),
                TestUsers = parseResult.GetValue(testUsers),
                Seed = parseResult.GetValue(seed),
                Lightings = parseResult.GetValue(lighting)!,
                SampleDuration = TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                RepetitionsPerClass = parseResult.GetValue(repetitions),
            };
            var generator = new SyntheticGestureGenerator(options);
            var directory = parseResult.GetValue(output)!.FullName;
            var started = System.Diagnostics.Stopwatch.StartNew();
            SyntheticDatasetSummary summary;
            if (context.Interactive && !parseResult.GetValue(json))
            {
                summary = context.Console.Progress().Start(progress =>
                {
                    var task = progress.AddTask("recordings", maxValue: options.Users * options.Lightings.Count);
                    return generator.WriteDataset(directory, new SynchronousProgress<SynthesisProgress>(p => task.Value = p.RecordingsDone), cancellationToken);
                });
            }
            else
            {
                summary = generator.WriteDataset(directory, null, cancellationToken);
            }
            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Output, summary);
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("class", "samples", "events", "events/s");
            foreach (var rate in summary.ClassRates)
                table.AddRow(rate.Name, Count(rate.Samples), Count(rate.Events), Count((long)rate.EventsPerSecond));
            context.Console.Write(table);
            context.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {summary.Recordings} recordings, {summary.Samples} samples, {summary.Events:N0} events to {directory} in {started.Elapsed.TotalSeconds:F1} s")));
            return 0;
        });
        return command;
    }

    private static Command CreateInspect(CliContext context)
    {
        var path = new Argument<FileInfo>("path") { Description = "An AEDAT 2.0, 3.1 or 4.0 file" };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels CSV; default: <name>_labels.csv beside the file, if present" };
        var json = JsonOutput.CreateOption();
        var command = new Command("inspect", "Show an event file's format, resolution, event counts, ranges and label classes") { path, labels, json };
        VerbAction.Set(command, context, (parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(path)!;
            var report = Inspect(file.FullName, parseResult.GetValue(labels)?.FullName, cancellationToken);
            return JsonOutput.Report(context, parseResult.GetValue(json), report, Render);
        });
        return command;
    }

    internal static InspectReport Inspect(string path, string? labelsPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' does not exist");
        using var reader = EventFile.Open(path);
        long count = 0, on = 0, first = 0, last = 0;
        int minX = int.MaxValue, maxX = int.MinValue, minY = int.MaxValue, maxY = int.MinValue;
        foreach (var batch in reader.ReadBatches(1 << 16, cancellationToken))
        {
            if (count == 0)
                first = batch.Timestamps[0];
            last = batch.Timestamps[^1];
            count += batch.Count;
            foreach (var p in batch.Polarity)
                on += p;
            foreach (var x in batch.X)
            {
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
            }
            foreach (var y in batch.Y)
            {
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
            }
        }
        labelsPath ??= File.Exists(DvsGestureRecording.LabelsPathFor(path)) ? DvsGestureRecording.LabelsPathFor(path) : null;
        IReadOnlyList<ClassCount>? classes = null;
        IReadOnlyList<string>? diagnostics = null;
        if (labelsPath is not null)
        {
            var found = new List<DatasetDiagnostic>();
            var rows = GestureLabelsCsv.Read(labelsPath, found);
            classes = Enumerable.Range(0, DvsGestureClasses.Count)
                .Select(c => new ClassCount(c + 1, DvsGestureClasses.Name(c), rows.Count(r => r.ClassIndex == c)))
                .ToList();
            diagnostics = found.Select(d => d.ToString()).ToList();
        }
        var stats = reader.Statistics;
        return new InspectReport(path, reader.Info.Format.ToString(), reader.Info.Source, reader.Info.Width, reader.Info.Height,
            count, on, count - on, count > 0 ? first : null, count > 0 ? last : null, count > 0 ? (last - first) / 1e6 : 0,
            count > 0 ? new CoordinateRange(minX, maxX) : null, count > 0 ? new CoordinateRange(minY, maxY) : null,
            stats.InvalidEventsSkipped, stats.OtherEventsSkipped, stats.PacketsRead, stats.PacketsSkipped, stats.ValidCountMismatches,
            labelsPath, classes, diagnostics);
    }

    private static void Render(IAnsiConsole console, InspectReport report)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("", "");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("file", report.Path);
        Row("format", report.Format + (report.Source is null ? string.Empty : $" ({report.Source})"));
        Row("resolution", report.Width is null ? "unknown" : $"{report.Width} × {report.Height}");
        Row("events", $"{Count(report.Events)} ({Count(report.OnEvents)} ON, {Count(report.OffEvents)} OFF)");
        Row("time span", report.FirstTimestampUs is null ? "-" : string.Create(CultureInfo.InvariantCulture,
            $"{report.FirstTimestampUs} – {report.LastTimestampUs} µs ({report.DurationSeconds:F3} s, {(report.DurationSeconds > 0 ? report.Events / report.DurationSeconds : 0):N0} events/s)"));
        Row("x range", report.X is null ? "-" : $"{report.X.Min} – {report.X.Max}");
        Row("y range", report.Y is null ? "-" : $"{report.Y.Min} – {report.Y.Max}");
        Row("skipped", $"{Count(report.InvalidEventsSkipped)} invalid, {Count(report.OtherEventsSkipped)} non-polarity; {Count(report.PacketsSkipped)} packets");
        if (report.ValidCountMismatches > 0)
            Row("warnings", $"{report.ValidCountMismatches} packets whose eventValid disagrees with their valid flags");
        console.Write(table);
        if (report.Classes is null)
            return;
        console.MarkupLine($"labels: {Markup.Escape(report.LabelsPath!)}");
        var classes = new Table().Border(TableBorder.Simple).AddColumns("class", "name", "samples");
        foreach (var c in report.Classes)
            classes.AddRow(c.Label.ToString(CultureInfo.InvariantCulture), c.Name, Count(c.Samples));
        console.Write(classes);
        foreach (var diagnostic in report.Diagnostics!)
            console.MarkupLine($"[yellow]{Markup.Escape(diagnostic)}[/]");
    }

    private static Command CreateFrames(CliContext context)
    {
        var path = new Argument<FileInfo>("path") { Description = "An AEDAT 2.0, 3.1 or 4.0 file" };
        var bins = new Option<int>("--T", "--bins") { Description = "Number of time bins T", DefaultValueFactory = _ => 16 };
        var split = new Option<FrameSplit>("--split") { Description = "Equal event counts (number) or equal durations (time) per bin", DefaultValueFactory = _ => FrameSplit.Number };
        var downsample = new Option<int>("--downsample") { Description = "Integer downsampling factor (4 turns 128×128 into 32×32)", DefaultValueFactory = _ => 1 };
        var binary = new Option<bool>("--binary") { Description = "Binary frames instead of counts" };
        var sample = new Option<int>("--sample") { Description = "Which labelled sample of the file (0-based, in start order)", DefaultValueFactory = _ => 0 };
        var labels = new Option<FileInfo?>("--labels") { Description = "Labels CSV; default: <name>_labels.csv beside the file. Without labels the whole file is framed" };
        var png = new Option<FileInfo>("--png") { Description = "The PNG to write", Required = true };
        var command = new Command("frames", "Frame one sample into T bins and draw the frames (ON red, OFF blue) and its event raster as a PNG")
        {
            path, bins, split, downsample, binary, sample, labels, png,
        };
        VerbAction.Set(command, context, (parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(path)!.FullName;
            if (!File.Exists(file))
                throw new FileNotFoundException($"'{file}' does not exist");
            var (events, title, info) = LoadSample(file, parseResult.GetValue(labels)?.FullName, parseResult.GetValue(sample), cancellationToken);
            var options = new FramingOptions(parseResult.GetValue(bins), parseResult.GetValue(split), parseResult.GetValue(downsample),
                parseResult.GetValue(binary) ? FrameValue.Binary : FrameValue.Counts, info.Width ?? 128, info.Height ?? 128);
            var frames = EventFramer.Frame(events, options);
            var target = parseResult.GetValue(png)!.FullName;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var heading = string.Create(CultureInfo.InvariantCulture,
                $"{title}: T={options.Bins}, split by {options.Split.ToString().ToLowerInvariant()}, {options.FrameWidth}×{options.FrameHeight}{(options.Downsample > 1 ? $" (÷{options.Downsample})" : string.Empty)}, {options.Value.ToString().ToLowerInvariant()}; red ON, blue OFF");
            FramePlots.SaveFramesPng(target, frames, events, options, heading);
            context.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {target}: {title}, [{string.Join(", ", frames.Shape)}], {events.Count:N0} events")));
            return 0;
        });
        return command;
    }

    private static (EventBuffer Events, string Title, EventFileInfo Info) LoadSample(string path, string? labelsPath, int index, CancellationToken cancellationToken)
    {
        labelsPath ??= File.Exists(DvsGestureRecording.LabelsPathFor(path)) ? DvsGestureRecording.LabelsPathFor(path) : null;
        EventFileInfo info;
        using (var reader = EventFile.Open(path))
        {
            info = reader.Info;
            if (labelsPath is null)
            {
                if (index != 0)
                    throw new NeuroException($"--sample {index} needs a labels file; none was given and none lies beside {path}");
                return (reader.ReadAll(cancellationToken), Path.GetFileName(path), info);
            }
        }
        DvsGestureRecording.TryParseName(Path.GetFileName(path), out var user, out var lighting);
        var recording = new DvsGestureRecording(path, labelsPath, user, lighting);
        var chosen = DvsGestureDataset.ReadSamples(recording, new List<DatasetDiagnostic>(), cancellationToken).Skip(index).FirstOrDefault()
            ?? throw new NeuroException($"{labelsPath}: there is no sample {index} (samples are numbered from 0 in start order)");
        return (chosen.Events, $"{Path.GetFileName(path)} sample {index} ({chosen.Label.ClassName})", info);
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>An inclusive range of coordinates.</summary>
public sealed record CoordinateRange(int Min, int Max);

/// <summary>Label rows of one class.</summary>
public sealed record ClassCount(int Label, string Name, int Samples);

/// <summary>The <c>neuro data inspect --json</c> document; field names are part of the CLI contract.</summary>
public sealed record InspectReport(
    string Path,
    string Format,
    string? Source,
    int? Width,
    int? Height,
    long Events,
    long OnEvents,
    long OffEvents,
    long? FirstTimestampUs,
    long? LastTimestampUs,
    double DurationSeconds,
    CoordinateRange? X,
    CoordinateRange? Y,
    long InvalidEventsSkipped,
    long OtherEventsSkipped,
    long PacketsRead,
    long PacketsSkipped,
    long ValidCountMismatches,
    string? LabelsPath,
    IReadOnlyList<ClassCount>? Classes,
    IReadOnlyList<string>? Diagnostics);
