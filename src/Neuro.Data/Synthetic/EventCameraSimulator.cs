using System.Numerics;

namespace Neuro.Data.Synthetic;

/// <summary>
/// Renders a subject's arms over the static scene every render step and turns the change of each pixel's
/// log intensity into events (the v2e/ESIM model): a pixel fires each time its log intensity moves one
/// threshold away from its memorised reference, the event time is interpolated linearly between the two
/// images, a pixel is blind for the refractory period after an event, and leak events, shot noise and hot
/// pixels are added on top. Only pixels the limbs covered in the previous or current image are visited,
/// since the rest of the scene is static; that is what makes rendering every millisecond cheap.
/// </summary>
internal sealed class EventCameraSimulator
{
    public const int Width = 128;
    public const int Height = 128;
    private const int Pixels = Width * Height;
    private const int MaxCrossingsPerStep = 16;
    private const float ClothFolds = 0.3f;

    private readonly float[] _static = new float[Pixels];
    private readonly float[] _onThreshold = new float[Pixels];
    private readonly float[] _offThreshold = new float[Pixels];
    private readonly double[] _leakRate = new double[Pixels];
    private readonly double[] _leakPhase = new double[Pixels];
    private readonly (int Pixel, double RateHz)[] _hotPixels;
    private readonly float _darkLevel;
    private readonly double _refractoryUs;
    private readonly double _shotNoiseHz;
    private readonly float _upperArm;
    private readonly float _forearm;
    private readonly float _skin;
    private readonly SyntheticSubject _subject;

    /// <summary>Builds the static scene (background, torso, head) and the sensor's fixed pattern for one recording.</summary>
    public EventCameraSimulator(SyntheticSubject subject, SyntheticLighting lighting, PixelModelOptions pixel, DeterministicRandom random)
    {
        _subject = subject;
        _darkLevel = (float)pixel.DarkLevel;
        _refractoryUs = pixel.RefractoryPeriod.TotalMicroseconds;
        _shotNoiseHz = lighting.ShotNoiseHz * pixel.ShotNoiseScale;
        var background = (float)lighting.Background;
        var clothing = background * subject.Clothing;
        _skin = background * subject.Skin;
        _upperArm = clothing;
        _forearm = subject.BareForearms ? _skin : clothing;

        // Light falls off across the scene from a random side; a faint fixed texture keeps the background from being flat.
        var angle = random.Uniform(0, 2 * Math.PI);
        float gx = (float)Math.Cos(angle), gy = (float)Math.Sin(angle), gradient = (float)lighting.Gradient;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var along = ((gx * (x - 64)) + (gy * (y - 64))) / 64f;
                var texture = 1f + (0.05f * (float)random.Gaussian());
                _static[(y * Width) + x] = background * (1f + (0.5f * gradient * along)) * texture;
            }
        }
        var s = subject.Scale;
        Paint(_static, new Capsule(new Vector2(subject.CenterX, subject.ShoulderY + (10 * s)), new Vector2(subject.CenterX, Height + (20 * s)), 18 * s, clothing));
        Paint(_static, new Capsule(new Vector2(subject.CenterX, subject.ShoulderY - (6 * s)), new Vector2(subject.CenterX, subject.ShoulderY + (2 * s)), 4 * s, _skin));
        var head = new Vector2(subject.CenterX, subject.ShoulderY - (17 * s));
        Paint(_static, new Capsule(head, head, 9 * s, _skin));

        for (var p = 0; p < Pixels; p++)
        {
            _onThreshold[p] = (float)Math.Max(0.02, pixel.OnThreshold + (pixel.ThresholdSigma * random.Gaussian()));
            _offThreshold[p] = (float)Math.Max(0.02, pixel.OffThreshold + (pixel.ThresholdSigma * random.Gaussian()));
            _leakRate[p] = Math.Max(0, pixel.LeakRateHz * (1 + (0.3 * random.Gaussian())));
            _leakPhase[p] = random.NextDouble();
        }
        _hotPixels = new (int, double)[pixel.HotPixels];
        for (var i = 0; i < _hotPixels.Length; i++)
            _hotPixels[i] = (random.NextInt(Pixels), random.Uniform(20, 120));
    }

    /// <summary>Distance between cloth folds along a limb, in pixels.</summary>
    private const float FoldSpacing = 5f;

    /// <summary>A limb segment (or, with equal ends, a disc), shaded as a cylinder, with folds of relative depth <see cref="Folds"/>.</summary>
    private readonly record struct Capsule(Vector2 A, Vector2 B, float Radius, float Intensity, float Folds = 0);

    /// <summary>
    /// Simulates one segment of <paramref name="durationUs"/> starting at absolute time <paramref name="startUs"/>,
    /// with the arms where <paramref name="poseAt"/> puts them (argument: µs since the segment start), and
    /// appends its events, sorted, to <paramref name="events"/> as keys (see <see cref="Key"/>).
    /// </summary>
    public void Simulate(Func<long, (ArmPose Right, ArmPose Left)> poseAt, long startUs, long durationUs, long stepUs,
        DeterministicRandom random, List<long> events)
    {
        var first = events.Count;
        var frame = (float[])_static.Clone();
        var reference = new float[Pixels];
        var lastLog = new float[Pixels];
        var lastEvent = new double[Pixels];
        var stamp = new int[Pixels];
        Array.Fill(lastEvent, double.NegativeInfinity);

        Span<Capsule> shapes = stackalloc Capsule[6];
        Span<(int X0, int Y0, int X1, int Y1)> previous = stackalloc (int, int, int, int)[6];
        Span<(int X0, int Y0, int X1, int Y1)> current = stackalloc (int, int, int, int)[6];
        Shapes(poseAt(0), shapes);
        for (var i = 0; i < shapes.Length; i++)
        {
            previous[i] = Bounds(shapes[i]);
            Paint(frame, shapes[i], previous[i]);
        }
        var lastValue = (float[])frame.Clone();
        for (var p = 0; p < Pixels; p++)
            reference[p] = lastLog[p] = MathF.Log(frame[p] + _darkLevel);

        var steps = (int)(durationUs / stepUs);
        for (var k = 1; k <= steps; k++)
        {
            Shapes(poseAt(k * stepUs), shapes);
            foreach (var r in previous)
                Restore(frame, r);
            for (var i = 0; i < shapes.Length; i++)
            {
                current[i] = Bounds(shapes[i]);
                Paint(frame, shapes[i], current[i]);
            }
            var before = startUs + ((k - 1) * (double)stepUs);
            foreach (var r in previous)
                Visit(r, k, frame, lastValue, reference, lastLog, lastEvent, stamp, before, stepUs, events);
            foreach (var r in current)
                Visit(r, k, frame, lastValue, reference, lastLog, lastEvent, stamp, before, stepUs, events);
            current.CopyTo(previous);
        }

        AddNoise(startUs, durationUs, random, events);
        events.Sort(first, events.Count - first, Comparer<long>.Default);
    }

    /// <summary>
    /// Packs an event into one sortable 64-bit key: time in µs above bit 15, then the pixel index (14 bits) and
    /// the polarity; sorting the keys orders events by time with a fixed tie order.
    /// </summary>
    public static long Key(long timeUs, int pixel, bool on) => (timeUs << 15) | ((long)pixel << 1) | (on ? 1L : 0L);

    /// <summary>Decodes a key made by <see cref="Key"/>.</summary>
    public static (long TimeUs, int X, int Y, bool On) Decode(long key)
    {
        var pixel = (int)((key >> 1) & 0x3FFF);
        return (key >> 15, pixel % Width, pixel / Width, (key & 1) != 0);
    }

    private void Visit((int X0, int Y0, int X1, int Y1) r, int mark, float[] frame, float[] lastValue, float[] reference, float[] lastLog,
        double[] lastEvent, int[] stamp, double before, long stepUs, List<long> events)
    {
        for (var y = r.Y0; y <= r.Y1; y++)
        {
            for (var p = (y * Width) + r.X0; p <= (y * Width) + r.X1; p++)
            {
                if (stamp[p] == mark)
                    continue;
                stamp[p] = mark;
                // Most visited pixels are background that a limb only passed near: skip the logarithm for them.
                if (frame[p] == lastValue[p])
                    continue;
                lastValue[p] = frame[p];
                var now = MathF.Log(frame[p] + _darkLevel);
                var then = lastLog[p];
                lastLog[p] = now;
                var diff = now - reference[p];
                var on = diff > 0;
                var threshold = on ? _onThreshold[p] : _offThreshold[p];
                var crossings = (int)(MathF.Abs(diff) / threshold);
                if (crossings == 0)
                    continue;
                var step = on ? threshold : -threshold;
                for (var c = 1; c <= Math.Min(crossings, MaxCrossingsPerStep); c++)
                {
                    // Linear interpolation of log intensity between the two images gives the crossing time.
                    var level = reference[p] + (c * step);
                    var fraction = Math.Clamp((level - then) / (now - then), 0f, 1f);
                    var time = before + (fraction * stepUs);
                    if (time - lastEvent[p] < _refractoryUs)
                        continue;
                    lastEvent[p] = time;
                    events.Add(Key((long)time, p, on));
                }
                reference[p] += crossings * step;
            }
        }
    }

    private void AddNoise(long startUs, long durationUs, DeterministicRandom random, List<long> events)
    {
        double start = startUs / 1e6, end = (startUs + durationUs) / 1e6;
        // Leak events: each pixel's reference drifts at its own rate and fires ON periodically, with a fixed phase,
        // so the leak pattern continues seamlessly from one segment to the next.
        for (var p = 0; p < Pixels; p++)
        {
            var rate = _leakRate[p];
            if (rate <= 0)
                continue;
            for (var n = Math.Ceiling((start * rate) + _leakPhase[p]); ; n++)
            {
                var time = (n - _leakPhase[p]) / rate;
                if (time >= end)
                    break;
                events.Add(Key((long)(time * 1e6), p, on: true));
            }
        }
        var seconds = durationUs / 1e6;
        var shots = random.Poisson(_shotNoiseHz * Pixels * seconds);
        for (var i = 0; i < shots; i++)
            events.Add(Key(startUs + (long)(random.NextDouble() * durationUs), random.NextInt(Pixels), random.NextDouble() < 0.5));
        foreach (var (pixel, rate) in _hotPixels)
        {
            var count = random.Poisson(rate * seconds);
            for (var i = 0; i < count; i++)
                events.Add(Key(startUs + (long)(random.NextDouble() * durationUs), pixel, random.NextDouble() < 0.7));
        }
    }

    private void Shapes((ArmPose Right, ArmPose Left) pose, Span<Capsule> shapes)
    {
        var i = 0;
        foreach (var arm in new[] { pose.Right, pose.Left })
        {
            shapes[i++] = new Capsule(arm.Shoulder, arm.Elbow, _subject.UpperArmRadius, _upperArm, ClothFolds);
            shapes[i++] = new Capsule(arm.Elbow, arm.Wrist, _subject.ForearmRadius, _forearm, _subject.BareForearms ? 0 : ClothFolds);
            shapes[i++] = new Capsule(arm.Hand, arm.Hand, _subject.HandRadius, _skin);
        }
    }

    private static (int X0, int Y0, int X1, int Y1) Bounds(Capsule c)
    {
        var margin = c.Radius + 1.5f;
        return (
            Math.Clamp((int)MathF.Floor(MathF.Min(c.A.X, c.B.X) - margin), 0, Width - 1),
            Math.Clamp((int)MathF.Floor(MathF.Min(c.A.Y, c.B.Y) - margin), 0, Height - 1),
            Math.Clamp((int)MathF.Ceiling(MathF.Max(c.A.X, c.B.X) + margin), 0, Width - 1),
            Math.Clamp((int)MathF.Ceiling(MathF.Max(c.A.Y, c.B.Y) + margin), 0, Height - 1));
    }

    private void Restore(float[] frame, (int X0, int Y0, int X1, int Y1) r)
    {
        for (var y = r.Y0; y <= r.Y1; y++)
            Array.Copy(_static, (y * Width) + r.X0, frame, (y * Width) + r.X0, r.X1 - r.X0 + 1);
    }

    private static void Paint(float[] image, Capsule c) => Paint(image, c, Bounds(c));

    /// <summary>Draws a capsule with a one-pixel anti-aliased edge, so sub-pixel motion changes intensity gradually.</summary>
    private static void Paint(float[] image, Capsule c, (int X0, int Y0, int X1, int Y1) r)
    {
        var ab = c.B - c.A;
        var length2 = ab.LengthSquared();
        var folds = MathF.Sqrt(length2) / FoldSpacing;
        for (var y = r.Y0; y <= r.Y1; y++)
        {
            for (var x = r.X0; x <= r.X1; x++)
            {
                var ap = new Vector2(x - c.A.X, y - c.A.Y);
                var t = length2 > 0 ? Math.Clamp(Vector2.Dot(ap, ab) / length2, 0f, 1f) : 0f;
                var distance = (ap - (ab * t)).Length();
                var coverage = Math.Clamp(c.Radius + 0.5f - distance, 0f, 1f);
                if (coverage > 0)
                {
                    // Limbs are round: shading darkens them towards their outline. Cloth folds every few pixels
                    // along a limb, so motion along its axis changes intensity too, as it does on a real sleeve.
                    var across = distance / c.Radius;
                    var along = t * folds;
                    var fold = MathF.Abs((2 * (along - MathF.Floor(along))) - 1);
                    var intensity = c.Intensity * (1f - (0.35f * across * across)) * (1f + (c.Folds * (fold - 0.5f)));
                    ref var pixel = ref image[(y * Width) + x];
                    pixel += (intensity - pixel) * coverage;
                }
            }
        }
    }
}
