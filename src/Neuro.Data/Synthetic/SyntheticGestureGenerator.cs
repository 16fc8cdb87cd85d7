using System.Globalization;
using Neuro.Data.Events;
using Neuro.Data.Formats;
using Neuro.Data.Gestures;

namespace Neuro.Data.Synthetic;

/// <summary>One synthetic recording in memory: its events and label rows.</summary>
/// <param name="User">User number.</param>
/// <param name="Lighting">Lighting condition.</param>
/// <param name="Events">All events of the recording, in time order.</param>
/// <param name="Labels">One label row per performed gesture.</param>
public sealed record SyntheticRecording(int User, string Lighting, EventBuffer Events, IReadOnlyList<GestureLabel> Labels);

/// <summary>Progress of <see cref="SyntheticGestureGenerator.WriteDataset"/>: recordings written so far out of the total.</summary>
public readonly record struct SynthesisProgress(int RecordingsDone, int RecordingsTotal, string LastFile);

/// <summary>Events and event rate of one class over a whole synthetic set.</summary>
/// <param name="ClassIndex">Class index 0–10.</param>
/// <param name="Name">Class name.</param>
/// <param name="Samples">Number of samples.</param>
/// <param name="Events">Events inside the labelled intervals.</param>
/// <param name="EventsPerSecond">Events per second of labelled time.</param>
public sealed record ClassEventRate(int ClassIndex, string Name, int Samples, long Events, double EventsPerSecond);

/// <summary>What a synthetic data set holds.</summary>
/// <param name="Directory">The folder written.</param>
/// <param name="Files">Files written, relative to <paramref name="Directory"/>.</param>
/// <param name="Recordings">Number of recordings.</param>
/// <param name="Samples">Number of labelled samples.</param>
/// <param name="Events">Number of events in all recordings.</param>
/// <param name="ClassRates">Per-class event counts and rates.</param>
public sealed record SyntheticDatasetSummary(string Directory, IReadOnlyList<string> Files, int Recordings, int Samples, long Events, IReadOnlyList<ClassEventRate> ClassRates);

/// <summary>
/// Generates recordings that look and behave like DVS128 Gesture: a person in front of a 128 × 128 sensor
/// performs the 11 gestures with arms drawn as capsules (upper arm, forearm) and a disc (hand) over a static
/// body, rendered every millisecond and turned into events by a v2e-style pixel model. Subjects (size,
/// position, tempo, reach, skin and clothing brightness), lighting and noise vary with the seed, user and
/// lighting; the same options give byte-identical files. <see cref="WriteDataset"/> writes them in the
/// DvsGesture layout (AEDAT 3.1, labels CSV, split lists), so the real reader path is what consumes them.
/// </summary>
public sealed class SyntheticGestureGenerator
{
    private readonly SyntheticGestureOptions _options;

    /// <summary>A generator for <paramref name="options"/>.</summary>
    /// <exception cref="Framing.DataOptionsException">The options contradict each other.</exception>
    public SyntheticGestureGenerator(SyntheticGestureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>The options.</summary>
    public SyntheticGestureOptions Options => _options;

    /// <summary>
    /// Writes the data set to <paramref name="directory"/>: <c>userNN_&lt;lighting&gt;.aedat</c> and
    /// <c>userNN_&lt;lighting&gt;_labels.csv</c> per user and lighting, and <c>trials_to_train.txt</c> /
    /// <c>trials_to_test.txt</c>. Recordings are generated one after another, the gestures of each in parallel.
    /// </summary>
    public SyntheticDatasetSummary WriteDataset(string directory, IProgress<SynthesisProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var lists = new Dictionary<DvsGestureSplit, List<string>> { [DvsGestureSplit.Train] = [], [DvsGestureSplit.Test] = [] };
        var classEvents = new long[DvsGestureClasses.Count];
        var classSamples = new int[DvsGestureClasses.Count];
        var classMicroseconds = new long[DvsGestureClasses.Count];
        long events = 0;
        var samples = 0;
        var plan = (from split in new[] { DvsGestureSplit.Train, DvsGestureSplit.Test }
                    from user in _options.UserNumbers(split)
                    from lighting in _options.Lightings
                    select (split, user, lighting)).ToList();
        foreach (var (split, user, lighting) in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var recording = GenerateRecording(user, lighting, cancellationToken);
            var name = DvsGestureRecording.FileName(user, lighting);
            var path = Path.Combine(directory, name);
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new Aedat31Writer(stream, "DVS128", [string.Create(CultureInfo.InvariantCulture,
                       $"Generator: Neuro synthetic DVS gestures, seed {_options.Seed}, user {user}, lighting {lighting}")]))
            {
                writer.Write(recording.Events);
            }
            GestureLabelsCsv.Write(DvsGestureRecording.LabelsPathFor(path), recording.Labels);
            files.Add(name);
            files.Add(Path.GetFileName(DvsGestureRecording.LabelsPathFor(path)));
            lists[split].Add(name);
            events += recording.Events.Count;
            foreach (var label in recording.Labels)
            {
                var lo = recording.Events.LowerBound(label.StartUs);
                classEvents[label.ClassIndex] += recording.Events.LowerBound(label.EndUs, lo) - lo;
                classSamples[label.ClassIndex]++;
                classMicroseconds[label.ClassIndex] += label.DurationUs;
                samples++;
            }
            progress?.Report(new SynthesisProgress(files.Count / 2, plan.Count, name));
        }
        File.WriteAllLines(Path.Combine(directory, DvsGestureDataset.TrainListFile), lists[DvsGestureSplit.Train]);
        File.WriteAllLines(Path.Combine(directory, DvsGestureDataset.TestListFile), lists[DvsGestureSplit.Test]);
        files.Add(DvsGestureDataset.TrainListFile);
        files.Add(DvsGestureDataset.TestListFile);
        var rates = Enumerable.Range(0, DvsGestureClasses.Count)
            .Select(c => new ClassEventRate(c, DvsGestureClasses.Name(c), classSamples[c], classEvents[c],
                classMicroseconds[c] > 0 ? classEvents[c] / (classMicroseconds[c] / 1e6) : 0))
            .ToList();
        return new SyntheticDatasetSummary(directory, files, plan.Count, samples, events, rates);
    }

    /// <summary>
    /// Generates the recording of <paramref name="user"/> under <paramref name="lighting"/> in memory: every class
    /// <see cref="SyntheticGestureOptions.RepetitionsPerClass"/> times in class order, each gesture preceded and
    /// followed by a transition from and to rest.
    /// </summary>
    public SyntheticRecording GenerateRecording(int user, string lighting, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(user);
        var lightingIndex = SyntheticLighting.IndexOf(lighting);
        if (lightingIndex < 0)
            throw new Framing.DataOptionsException($"synthetic gestures: unknown lighting '{lighting}'; known: {string.Join(", ", SyntheticLighting.Names)}");
        var seed = _options.Seed;
        var subject = new SyntheticSubject(seed, user);
        var recordingRandom = new DeterministicRandom(seed, 0x5C, user, lightingIndex);
        var camera = new EventCameraSimulator(subject, SyntheticLighting.Get(lighting), _options.Pixel, recordingRandom);

        var transitionUs = (long)_options.Transition.TotalMicroseconds;
        var gestureUs = (long)_options.SampleDuration.TotalMicroseconds;
        var stepUs = Math.Max(1, (long)_options.RenderStep.TotalMicroseconds);
        var segmentUs = gestureUs + (2 * transitionUs);
        // Recordings start at an arbitrary clock value, as real ones do.
        var originUs = 500_000 + recordingRandom.NextInt(2_000_000);
        var segments = DvsGestureClasses.Count * _options.RepetitionsPerClass;
        var keys = new List<long>[segments];
        Parallel.For(0, segments, new ParallelOptions { CancellationToken = cancellationToken }, segment =>
        {
            var random = new DeterministicRandom(seed, 0x5D, user, lightingIndex, segment);
            var motion = new GestureMotion(subject, segment % DvsGestureClasses.Count, random);
            var rest = motion.Rest();
            var begin = motion.At(0);
            var end = motion.At(gestureUs / 1e6);
            (ArmPose, ArmPose) PoseAt(long us)
            {
                if (us < transitionUs)
                    return Blend(rest, begin, Smooth(us / (double)transitionUs));
                if (us < transitionUs + gestureUs)
                    return motion.At((us - transitionUs) / 1e6);
                return Blend(end, rest, Smooth((us - transitionUs - gestureUs) / (double)Math.Max(1, transitionUs)));
            }
            keys[segment] = new List<long>(1 << 16);
            camera.Simulate(PoseAt, originUs + (segment * segmentUs), segmentUs, stepUs, random, keys[segment]);
        });

        var events = new EventBuffer(keys.Sum(k => k.Count));
        foreach (var list in keys)
        {
            foreach (var key in list)
            {
                var (time, x, y, on) = EventCameraSimulator.Decode(key);
                events.Add(time, x, y, on);
            }
        }
        var labels = Enumerable.Range(0, segments)
            .Select(segment =>
            {
                var start = originUs + (segment * segmentUs) + transitionUs;
                return new GestureLabel(segment % DvsGestureClasses.Count, start, start + gestureUs, segment + 2);
            })
            .ToList();
        return new SyntheticRecording(user, lighting, events, labels);
    }

    private static (ArmPose, ArmPose) Blend((ArmPose Right, ArmPose Left) from, (ArmPose Right, ArmPose Left) to, double weight) =>
        (GestureMotion.Blend(from.Right, to.Right, (float)weight), GestureMotion.Blend(from.Left, to.Left, (float)weight));

    private static double Smooth(double x)
    {
        x = Math.Clamp(x, 0, 1);
        return x * x * (3 - (2 * x));
    }
}
