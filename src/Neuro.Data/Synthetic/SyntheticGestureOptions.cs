using Neuro.Data.Framing;

namespace Neuro.Data.Synthetic;

/// <summary>
/// The event-camera pixel model of the synthetic generator, after v2e and ESIM: each pixel compares its log
/// intensity with a memorised reference and fires an ON (OFF) event each time the difference crosses its ON
/// (OFF) threshold; thresholds vary from pixel to pixel; a pixel is blind for a refractory period after an
/// event; leak events and shot noise fire without any change in the scene.
/// </summary>
public sealed record PixelModelOptions
{
    /// <summary>Mean ON contrast threshold in log-intensity units: 0.15, the DVS128's nominal 15 % contrast sensitivity.</summary>
    public double OnThreshold { get; init => field = Check(value, 0.02, 2, nameof(OnThreshold)); } = 0.15;

    /// <summary>Mean OFF contrast threshold in log-intensity units.</summary>
    public double OffThreshold { get; init => field = Check(value, 0.02, 2, nameof(OffThreshold)); } = 0.15;

    /// <summary>Standard deviation of the per-pixel thresholds (v2e's default 0.03), fixed per recording.</summary>
    public double ThresholdSigma { get; init => field = Check(value, 0, 0.5, nameof(ThresholdSigma)); } = 0.03;

    /// <summary>Time a pixel stays blind after an event.</summary>
    public TimeSpan RefractoryPeriod { get; init => field = Check(value, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), nameof(RefractoryPeriod)); } = TimeSpan.FromMilliseconds(0.5);

    /// <summary>Mean rate of leak (spontaneous ON) events per pixel, in hertz; the per-pixel rate varies by 30 %.</summary>
    public double LeakRateHz { get; init => field = Check(value, 0, 100, nameof(LeakRateHz)); } = 0.1;

    /// <summary>Multiplies the shot-noise rate of each lighting condition (0 switches shot noise off).</summary>
    public double ShotNoiseScale { get; init => field = Check(value, 0, 100, nameof(ShotNoiseScale)); } = 1;

    /// <summary>Hot pixels per recording: pixels that fire at 20–120 Hz whatever the scene does.</summary>
    public int HotPixels { get; init => field = (int)Check(value, 0, 1000, nameof(HotPixels)); } = 3;

    /// <summary>Added to the linear intensity before the logarithm, so dark pixels have lower contrast (the photodiode's dark current).</summary>
    public double DarkLevel { get; init => field = Check(value, 0.01, 100, nameof(DarkLevel)); } = 4;

    private static double Check(double value, double min, double max, string name) =>
        value >= min && value <= max ? value : throw new DataOptionsException($"pixel model: {name} must be {min}–{max}, got {value}");

    private static TimeSpan Check(TimeSpan value, TimeSpan min, TimeSpan max, string name) =>
        value >= min && value <= max ? value : throw new DataOptionsException($"pixel model: {name} must be {min.TotalMilliseconds}–{max.TotalMilliseconds} ms, got {value.TotalMilliseconds} ms");
}

/// <summary>
/// What <see cref="SyntheticGestureGenerator"/> makes: how many users and lighting conditions, how long each
/// gesture lasts, and the seed. Training users are numbered 1, 2, … and test users 24, 25, …, so the real
/// dataset's rule (users 1–23 train, 24–29 test) holds for the synthetic set too.
/// </summary>
public sealed record SyntheticGestureOptions
{
    /// <summary>The lighting conditions the generator knows, as named in DVS128 Gesture's file names.</summary>
    public static IReadOnlyList<string> KnownLightings => SyntheticLighting.Names;

    /// <summary>Total number of users (subjects), 2–29.</summary>
    public int Users { get; init => field = value is >= 2 and <= 29 ? value : throw new DataOptionsException($"synthetic gestures: users must be 2–29, got {value}"); } = 6;

    /// <summary>How many of the users form the test split (1–6); the rest, at most 23, train.</summary>
    public int TestUsers { get; init => field = value is >= 1 and <= 6 ? value : throw new DataOptionsException($"synthetic gestures: test users must be 1–6, got {value}"); } = 2;

    /// <summary>Lighting conditions; every user is recorded once under each.</summary>
    public IReadOnlyList<string> Lightings
    {
        get;
        init
        {
            if (value is null || value.Count == 0)
                throw new DataOptionsException("synthetic gestures: at least one lighting condition is needed");
            foreach (var name in value)
            {
                if (!SyntheticLighting.Names.Contains(name))
                    throw new DataOptionsException($"synthetic gestures: unknown lighting '{name}'; known: {string.Join(", ", SyntheticLighting.Names)}");
            }
            if (value.Distinct(StringComparer.Ordinal).Count() != value.Count)
                throw new DataOptionsException("synthetic gestures: a lighting condition is listed twice");
            field = value.ToArray();
        }
    } = ["fluorescent"];

    /// <summary>Seed of everything random: the same seed gives byte-identical files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Length of each labelled gesture (0.2–30 s).</summary>
    public TimeSpan SampleDuration
    {
        get;
        init => field = value >= TimeSpan.FromSeconds(0.2) && value <= TimeSpan.FromSeconds(30) ? value : throw new DataOptionsException($"synthetic gestures: sample duration must be 0.2–30 s, got {value.TotalSeconds} s");
    } = TimeSpan.FromSeconds(1.5);

    /// <summary>How many times each recording performs each class (1–20), so a recording holds 11 × this many samples.</summary>
    public int RepetitionsPerClass { get; init => field = value is >= 1 and <= 20 ? value : throw new DataOptionsException($"synthetic gestures: repetitions per class must be 1–20, got {value}"); } = 1;

    /// <summary>Time between two rendered images of the scene (0.1–10 ms); events are interpolated in between.</summary>
    public TimeSpan RenderStep
    {
        get;
        init => field = value >= TimeSpan.FromMilliseconds(0.1) && value <= TimeSpan.FromMilliseconds(10) ? value : throw new DataOptionsException($"synthetic gestures: render step must be 0.1–10 ms, got {value.TotalMilliseconds} ms");
    } = TimeSpan.FromMilliseconds(1);

    /// <summary>Unlabelled time before and after each gesture, in which the arms move from and back to rest.</summary>
    public TimeSpan Transition
    {
        get;
        init => field = value >= TimeSpan.Zero && value <= TimeSpan.FromSeconds(5) ? value : throw new DataOptionsException($"synthetic gestures: transition must be 0–5 s, got {value.TotalSeconds} s");
    } = TimeSpan.FromMilliseconds(250);

    /// <summary>The pixel model.</summary>
    public PixelModelOptions Pixel { get; init => field = value ?? throw new DataOptionsException("synthetic gestures: the pixel model is required"); } = new();

    /// <summary>Number of training users.</summary>
    public int TrainUsers => Users - TestUsers;

    /// <summary>Checks the rules that tie several options together.</summary>
    /// <exception cref="DataOptionsException">There would be no training user or more than 23.</exception>
    public void Validate()
    {
        if (TestUsers >= Users)
            throw new DataOptionsException($"synthetic gestures: {TestUsers} test users leave no training user out of {Users}");
        if (TrainUsers > 23)
            throw new DataOptionsException($"synthetic gestures: {TrainUsers} training users exceed the 23 that user numbers 1–23 allow");
    }

    /// <summary>The user numbers of a split: 1…TrainUsers for training, 24… for test.</summary>
    public IReadOnlyList<int> UserNumbers(Gestures.DvsGestureSplit split) =>
        split == Gestures.DvsGestureSplit.Train
            ? Enumerable.Range(1, TrainUsers).ToArray()
            : Enumerable.Range(Gestures.DvsGestureDataset.LastTrainingUser + 1, TestUsers).ToArray();
}
