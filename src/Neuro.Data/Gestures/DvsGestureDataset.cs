using Neuro.Data.Formats;
using Neuro.Data.Framing;

namespace Neuro.Data.Gestures;

/// <summary>
/// A DVS128 Gesture folder: <c>userNN_&lt;lighting&gt;.aedat</c> recordings, their <c>_labels.csv</c> files, and
/// <c>trials_to_train.txt</c> / <c>trials_to_test.txt</c> listing the recordings of each split. Samples are
/// cut from a recording while it streams, so a recording is never held whole in memory.
/// </summary>
public sealed class DvsGestureDataset
{
    /// <summary>The file listing the training recordings.</summary>
    public const string TrainListFile = "trials_to_train.txt";

    /// <summary>The file listing the test recordings.</summary>
    public const string TestListFile = "trials_to_test.txt";

    /// <summary>Users 1 to this number form the training split when no list files exist (the published split).</summary>
    public const int LastTrainingUser = 23;

    private readonly Dictionary<DvsGestureSplit, IReadOnlyList<DvsGestureRecording>> _splits;
    private readonly List<DatasetDiagnostic> _diagnostics = [];
    private readonly Lock _diagnosticsLock = new();

    private DvsGestureDataset(string root, Dictionary<DvsGestureSplit, IReadOnlyList<DvsGestureRecording>> splits, List<DatasetDiagnostic> diagnostics)
    {
        Root = root;
        _splits = splits;
        _diagnostics.AddRange(diagnostics);
    }

    /// <summary>The dataset folder.</summary>
    public string Root { get; }

    /// <summary>Problems found so far (at opening and while reading samples), reported instead of raised.</summary>
    public IReadOnlyList<DatasetDiagnostic> Diagnostics
    {
        get
        {
            lock (_diagnosticsLock)
                return _diagnostics.ToArray();
        }
    }

    /// <summary>
    /// Opens the dataset in <paramref name="root"/>. The split lists are used when present; otherwise every
    /// <c>userNN_*.aedat</c> is split by user number (1–23 train, 24 and up test) and that is reported.
    /// </summary>
    /// <exception cref="DatasetException">A listed recording or a labels file is missing.</exception>
    public static DvsGestureDataset Open(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"dataset folder '{root}' does not exist");
        var diagnostics = new List<DatasetDiagnostic>();
        var splits = new Dictionary<DvsGestureSplit, IReadOnlyList<DvsGestureRecording>>();
        var trainList = Path.Combine(root, TrainListFile);
        var testList = Path.Combine(root, TestListFile);
        if (File.Exists(trainList) && File.Exists(testList))
        {
            splits[DvsGestureSplit.Train] = ReadList(root, trainList);
            splits[DvsGestureSplit.Test] = ReadList(root, testList);
        }
        else
        {
            diagnostics.Add(new DatasetDiagnostic(root, 0, $"no {TrainListFile}/{TestListFile}; split by user number (1–{LastTrainingUser} train)"));
            var all = Directory.EnumerateFiles(root, "user*.aedat")
                .Order(StringComparer.Ordinal)
                .Select(path => Recording(root, Path.GetFileName(path), path, 0))
                .ToList();
            splits[DvsGestureSplit.Train] = all.Where(r => r.User <= LastTrainingUser).ToList();
            splits[DvsGestureSplit.Test] = all.Where(r => r.User > LastTrainingUser).ToList();
        }
        return new DvsGestureDataset(root, splits, diagnostics);
    }

    private static List<DvsGestureRecording> ReadList(string root, string listPath)
    {
        var recordings = new List<DvsGestureRecording>();
        var lines = File.ReadAllLines(listPath);
        for (var i = 0; i < lines.Length; i++)
        {
            var name = lines[i].Trim();
            if (name.Length > 0)
                recordings.Add(Recording(root, name, listPath, i + 1));
        }
        return recordings;
    }

    private static DvsGestureRecording Recording(string root, string name, string listedIn, int line)
    {
        var where = line > 0 ? $"{listedIn}:{line}" : root;
        if (!DvsGestureRecording.TryParseName(name, out var user, out var lighting))
            throw new DatasetException($"{where}: '{name}' is not a userNN_<lighting>.aedat name");
        var events = Path.Combine(root, name);
        if (!File.Exists(events))
            throw new DatasetException($"{where}: recording '{name}' does not exist in {root}");
        var labels = DvsGestureRecording.LabelsPathFor(events);
        if (!File.Exists(labels))
            throw new DatasetException($"{where}: labels file '{Path.GetFileName(labels)}' for '{name}' does not exist in {root}");
        return new DvsGestureRecording(events, labels, user, lighting);
    }

    /// <summary>The recordings of <paramref name="split"/>, in list order.</summary>
    public IReadOnlyList<DvsGestureRecording> Recordings(DvsGestureSplit split) => _splits[split];

    /// <summary>
    /// The samples of <paramref name="split"/>: recordings in list order, and within a recording the label rows
    /// in start order. Problems with label rows go to <see cref="Diagnostics"/>.
    /// </summary>
    public IEnumerable<GestureSample> EnumerateSamples(DvsGestureSplit split, CancellationToken cancellationToken = default)
    {
        foreach (var recording in Recordings(split))
        {
            foreach (var sample in SamplesOf(recording, cancellationToken))
                yield return sample;
        }
    }

    /// <summary>
    /// The samples of one recording of this dataset, in label start order; problems with its label rows go to
    /// <see cref="Diagnostics"/> once the recording has been walked. Safe to call for several recordings at once.
    /// </summary>
    public IEnumerable<GestureSample> SamplesOf(DvsGestureRecording recording, CancellationToken cancellationToken = default)
    {
        var found = new List<DatasetDiagnostic>();
        foreach (var sample in ReadSamples(recording, found, cancellationToken))
            yield return sample;
        lock (_diagnosticsLock)
            _diagnostics.AddRange(found);
    }

    /// <summary>The samples of <paramref name="split"/> framed with <paramref name="options"/>, in <see cref="EnumerateSamples"/> order.</summary>
    public IEnumerable<FramedSample> EnumerateFramed(DvsGestureSplit split, FramingOptions options, CancellationToken cancellationToken = default) =>
        EnumerateSamples(split, cancellationToken).Select(sample => FramedSample.From(sample, options));

    /// <summary>
    /// Cuts the samples of one recording while streaming its events: a sample holds the events with
    /// start ≤ t &lt; end of its label row. Rows with no events are reported to <paramref name="diagnostics"/> and
    /// skipped; overlapping rows each get their events.
    /// </summary>
    public static IEnumerable<GestureSample> ReadSamples(DvsGestureRecording recording, ICollection<DatasetDiagnostic> diagnostics,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var labels = GestureLabelsCsv.Read(recording.LabelsPath, diagnostics)
            .OrderBy(l => l.StartUs).ThenBy(l => l.Line).ToList();
        return Cut(recording, labels, diagnostics, cancellationToken);
    }

    private static IEnumerable<GestureSample> Cut(DvsGestureRecording recording, List<GestureLabel> labels,
        ICollection<DatasetDiagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var buffers = labels.Select(_ => new Events.EventBuffer(0)).ToArray();
        var done = new bool[labels.Count];
        var nextToYield = 0;
        using (var reader = EventFile.Open(recording.EventsPath))
        {
            foreach (var batch in reader.ReadBatches(1 << 16, cancellationToken))
            {
                var first = batch.Timestamps[0];
                var last = batch.Timestamps[^1];
                for (var i = nextToYield; i < labels.Count; i++)
                {
                    var label = labels[i];
                    if (done[i] || label.StartUs > last)
                        continue;
                    if (label.EndUs > first)
                    {
                        var lo = batch.LowerBound(label.StartUs);
                        var hi = batch.LowerBound(label.EndUs, lo);
                        buffers[i].AddRange(batch, lo, hi - lo);
                    }
                    done[i] = label.EndUs <= last;
                }
                while (nextToYield < labels.Count && done[nextToYield])
                {
                    if (Emit(recording, labels[nextToYield], buffers[nextToYield], diagnostics) is { } sample)
                        yield return sample;
                    buffers[nextToYield++] = null!;
                }
            }
        }
        for (; nextToYield < labels.Count; nextToYield++)
        {
            if (Emit(recording, labels[nextToYield], buffers[nextToYield], diagnostics) is { } sample)
                yield return sample;
        }
    }

    private static GestureSample? Emit(DvsGestureRecording recording, GestureLabel label, Events.EventBuffer events, ICollection<DatasetDiagnostic> diagnostics)
    {
        if (events.Count > 0)
            return new GestureSample(recording, label, events);
        diagnostics.Add(new DatasetDiagnostic(recording.LabelsPath, label.Line,
            $"no events in [{label.StartUs}, {label.EndUs}) µs of {recording.Name}; sample skipped"));
        return null;
    }
}
