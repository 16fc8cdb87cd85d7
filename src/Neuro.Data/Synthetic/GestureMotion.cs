using System.Numerics;

namespace Neuro.Data.Synthetic;

/// <summary>Where one arm's joints are at one instant: shoulder, elbow, wrist and the centre of the hand.</summary>
internal readonly record struct ArmPose(Vector2 Shoulder, Vector2 Elbow, Vector2 Wrist, Vector2 Hand);

/// <summary>
/// The choreography of the 11 classes as functions of time: hand targets (or elbow and wrist directly, for
/// waves) per arm, solved into joint positions with two-link inverse kinematics. Each performance gets its
/// own phase, tempo and size jitter and a slow sway, so no two samples are alike.
/// </summary>
internal sealed class GestureMotion
{
    private const int RightSide = -1;
    private const int LeftSide = 1;

    private readonly SyntheticSubject _subject;
    private readonly int _class;
    private readonly double _phase;
    private readonly double _tempo;
    private readonly double _size;
    private readonly double[] _sway;
    private readonly double[] _free;
    private readonly bool[] _freeArmStill;

    public GestureMotion(SyntheticSubject subject, int classIndex, DeterministicRandom random)
    {
        _subject = subject;
        _class = classIndex;
        _phase = random.Uniform(0, 2 * Math.PI);
        _tempo = subject.Speed * random.Uniform(0.88, 1.12);
        _size = subject.Amplitude * random.Uniform(0.88, 1.12);
        // Sway: per arm and axis, amplitude (px at scale 1), frequency (Hz) and phase.
        _sway = new double[12];
        for (var i = 0; i < 12; i += 3)
        {
            _sway[i] = random.Uniform(0.5, 2.0);
            _sway[i + 1] = random.Uniform(0.2, 0.8);
            _sway[i + 2] = random.Uniform(0, 2 * Math.PI);
        }
        // "Other gestures": per arm and axis three random sinusoids (amplitude, frequency, phase).
        _free = new double[2 * 2 * 3 * 3];
        for (var i = 0; i < _free.Length; i += 3)
        {
            _free[i] = random.Uniform(3, 11);
            _free[i + 1] = random.Uniform(0.4, 2.5);
            _free[i + 2] = random.Uniform(0, 2 * Math.PI);
        }
        var still = random.NextDouble();
        _freeArmStill = [still < 0.2, still > 0.8];
    }

    /// <summary>The pose of the right (side −1) and left (side +1) arms at rest, hands hanging by the hips.</summary>
    public (ArmPose Right, ArmPose Left) Rest() => (RestArm(RightSide), RestArm(LeftSide));

    private ArmPose RestArm(int side) => Solve(side, _subject.Shoulder(side) + new Vector2(side * 6 * _subject.Scale, 41 * _subject.Scale));

    /// <summary>The pose <paramref name="seconds"/> into the gesture.</summary>
    public (ArmPose Right, ArmPose Left) At(double seconds)
    {
        var s = _subject.Scale;
        var u = s * _size;
        var cx = _subject.CenterX;
        var sy = _subject.ShoulderY;
        double Theta(double hz) => (2 * Math.PI * hz * _tempo * seconds) + _phase;
        switch (_class)
        {
            case 0: // hand clapping: hands meet at the midline and part again
            {
                var gap = (float)((3 + (11 * _size * (0.5 + (0.5 * Math.Cos(Theta(1.9)))))) * s);
                return (Solve(RightSide, Sway(RightSide, seconds, new Vector2(cx - gap, sy + (24 * s)))),
                        Solve(LeftSide, Sway(LeftSide, seconds, new Vector2(cx + gap, sy + (24 * s)))));
            }
            case 1: // right hand wave
                return (Wave(RightSide, seconds, Theta(2.4)), RestArm(LeftSide));
            case 2: // left hand wave
                return (RestArm(RightSide), Wave(LeftSide, seconds, Theta(2.4)));
            case 3: // right arm clockwise (as the sensor sees it: angle grows with y pointing down)
                return (Circle(RightSide, seconds, Theta(0.95)), RestArm(LeftSide));
            case 4: // right arm counter-clockwise
                return (Circle(RightSide, seconds, -Theta(0.95)), RestArm(LeftSide));
            case 5: // left arm clockwise
                return (RestArm(RightSide), Circle(LeftSide, seconds, Theta(0.95)));
            case 6: // left arm counter-clockwise
                return (RestArm(RightSide), Circle(LeftSide, seconds, -Theta(0.95)));
            case 7: // arm roll: forearms circle around each other in front of the chest
            {
                var theta = Theta(1.7);
                var centre = new Vector2(cx, sy + (22 * s));
                var r = (float)(6.5 * u);
                var offset = new Vector2((float)Math.Cos(theta), (float)Math.Sin(theta)) * r;
                return (Solve(RightSide, Sway(RightSide, seconds, centre + new Vector2(-3 * s, 0) + offset)),
                        Solve(LeftSide, Sway(LeftSide, seconds, centre + new Vector2(3 * s, 0) - offset)));
            }
            case 8: // air drums: alternating vertical strokes
            {
                var theta = Theta(2.6);
                Vector2 Stick(int side, double angle) => new(
                    cx + (side * 13 * s) + (float)(2 * s * Math.Cos(angle)),
                    sy + (22 * s) + (float)(8 * u * Math.Sin(angle)));
                return (Solve(RightSide, Sway(RightSide, seconds, Stick(RightSide, theta))),
                        Solve(LeftSide, Sway(LeftSide, seconds, Stick(LeftSide, theta + Math.PI))));
            }
            case 9: // air guitar: right hand strums at the hip, left hand frets out to the side
            {
                var theta = Theta(3.3);
                var strum = new Vector2(cx - (3 * s) + (float)(2 * s * Math.Sin(theta)), sy + (33 * s) + (float)(7 * u * Math.Sin(theta)));
                var slide = (float)Math.Sin(0.4 * theta);
                var fret = _subject.Shoulder(LeftSide) + new Vector2((22 * s) + (3 * s * slide), (-2 * s) + (1.5f * s * slide));
                return (Solve(RightSide, Sway(RightSide, seconds, strum)), Solve(LeftSide, Sway(LeftSide, seconds, fret)));
            }
            default: // other gestures: smooth random motion of one or both arms
                return (Free(RightSide, seconds), Free(LeftSide, seconds));
        }
    }

    private ArmPose Wave(int side, double seconds, double theta)
    {
        var shoulder = _subject.Shoulder(side);
        const double below = 0.35;
        var elbow = shoulder + (new Vector2((float)(side * Math.Cos(below) * _subject.ElbowOutward), (float)Math.Sin(below)) * _subject.UpperArm);
        var swing = (side * 0.15) + (0.5 * _size * Math.Sin(theta));
        var wrist = elbow + (new Vector2((float)Math.Sin(swing), (float)-Math.Cos(swing)) * _subject.Forearm);
        var sway = Sway(side, seconds, Vector2.Zero);
        return Pose(shoulder, elbow + (sway * 0.5f), wrist + sway);
    }

    private ArmPose Circle(int side, double seconds, double angle)
    {
        var radius = (float)(0.88 * (_subject.UpperArm + _subject.Forearm) * Math.Min(_size, 1.1));
        var target = _subject.Shoulder(side) + (new Vector2((float)Math.Cos(angle), (float)Math.Sin(angle)) * radius);
        // A circling arm keeps its elbow bent to one side all the way round; the outward rule would flip it overhead.
        return Solve(side, Sway(side, seconds, target), bendSign: side);
    }

    private ArmPose Free(int side, double seconds)
    {
        var arm = side < 0 ? 0 : 1;
        if (_freeArmStill[arm])
            return RestArm(side);
        var s = _subject.Scale;
        var centre = _subject.Shoulder(side) + new Vector2(side * 10 * s, 28 * s);
        var offset = Vector2.Zero;
        for (var axis = 0; axis < 2; axis++)
        {
            double sum = 0;
            for (var k = 0; k < 3; k++)
            {
                var i = ((((arm * 2) + axis) * 3) + k) * 3;
                sum += _free[i] * _size * Math.Sin((2 * Math.PI * _free[i + 1] * _tempo * seconds) + _free[i + 2]);
            }
            offset += (axis == 0 ? Vector2.UnitX : Vector2.UnitY) * (float)(sum * s);
        }
        return Solve(side, Sway(side, seconds, centre + offset));
    }

    private Vector2 Sway(int side, double seconds, Vector2 target)
    {
        var arm = side < 0 ? 0 : 6;
        var dx = _sway[arm] * Math.Sin((2 * Math.PI * _sway[arm + 1] * seconds) + _sway[arm + 2]);
        var dy = _sway[arm + 3] * Math.Sin((2 * Math.PI * _sway[arm + 4] * seconds) + _sway[arm + 5]);
        return target + (new Vector2((float)dx, (float)dy) * _subject.Scale);
    }

    /// <summary>
    /// Two-link inverse kinematics. The elbow goes to the outer side of the body, or, when
    /// <paramref name="bendSign"/> is ±1, always to that side of the shoulder–wrist line.
    /// </summary>
    private ArmPose Solve(int side, Vector2 target, int bendSign = 0)
    {
        var shoulder = _subject.Shoulder(side);
        float l1 = _subject.UpperArm, l2 = _subject.Forearm;
        var delta = target - shoulder;
        var distance = Math.Clamp(delta.Length(), Math.Abs(l1 - l2) + 0.5f, l1 + l2 - 0.3f);
        var baseAngle = MathF.Atan2(delta.Y, delta.X);
        var bend = MathF.Acos(Math.Clamp(((l1 * l1) + (distance * distance) - (l2 * l2)) / (2 * l1 * distance), -1f, 1f));
        var elbowA = shoulder + (new Vector2(MathF.Cos(baseAngle + bend), MathF.Sin(baseAngle + bend)) * l1);
        var elbowB = shoulder + (new Vector2(MathF.Cos(baseAngle - bend), MathF.Sin(baseAngle - bend)) * l1);
        var elbow = bendSign switch
        {
            > 0 => elbowA,
            < 0 => elbowB,
            _ => side * (elbowA.X - elbowB.X) >= 0 ? elbowA : elbowB,
        };
        var wrist = shoulder + (new Vector2(MathF.Cos(baseAngle), MathF.Sin(baseAngle)) * distance);
        return Pose(shoulder, elbow, wrist);
    }

    private ArmPose Pose(Vector2 shoulder, Vector2 elbow, Vector2 wrist)
    {
        var direction = wrist - elbow;
        direction = direction.LengthSquared() > 1e-6f ? Vector2.Normalize(direction) : Vector2.UnitY;
        return new ArmPose(shoulder, elbow, wrist, wrist + (direction * (_subject.HandRadius * 0.9f)));
    }

    /// <summary>Linear blend of two poses, used for the transitions to and from rest.</summary>
    public static ArmPose Blend(ArmPose from, ArmPose to, float weight) => new(
        Vector2.Lerp(from.Shoulder, to.Shoulder, weight),
        Vector2.Lerp(from.Elbow, to.Elbow, weight),
        Vector2.Lerp(from.Wrist, to.Wrist, weight),
        Vector2.Lerp(from.Hand, to.Hand, weight));
}
