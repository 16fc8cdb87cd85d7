using System.Numerics;

namespace Neuro.Data.Synthetic;

/// <summary>
/// One synthetic person in front of the sensor: where they stand, how big they are, how fast and wide they
/// move, and the brightness of their skin and clothes relative to the background. Drawn from the seed and
/// the user number, so each user is a different, repeatable subject.
/// </summary>
internal sealed class SyntheticSubject
{
    public SyntheticSubject(int seed, int user)
    {
        var random = new DeterministicRandom(seed, 0x5B, user);
        Scale = (float)random.Uniform(0.78, 1.18);
        CenterX = (float)(64 + random.Uniform(-14, 14));
        ShoulderY = (float)(56 + random.Uniform(-8, 9));
        Speed = random.Uniform(0.75, 1.3);
        Amplitude = random.Uniform(0.8, 1.2);
        Clothing = (float)Math.Exp(random.Uniform(Math.Log(0.35), Math.Log(2.2)));
        // Skin must differ from the background by a visible contrast, or the hands would emit no events.
        var skin = random.Uniform(Math.Log(0.45), Math.Log(2.6));
        if (Math.Abs(skin) < 0.3)
            skin = skin < 0 ? -0.3 - random.Uniform(0, 0.3) : 0.3 + random.Uniform(0, 0.3);
        Skin = (float)Math.Exp(skin);
        BareForearms = random.NextDouble() < 0.5;
        ElbowOutward = (float)random.Uniform(0.6, 1.0);
    }

    /// <summary>Body size factor (1 = a torso 34 px wide on the 128-px sensor).</summary>
    public float Scale { get; }

    /// <summary>Column of the body's midline.</summary>
    public float CenterX { get; }

    /// <summary>Row of the shoulders.</summary>
    public float ShoulderY { get; }

    /// <summary>Tempo factor applied to every gesture's frequency.</summary>
    public double Speed { get; }

    /// <summary>Size factor applied to every gesture's motion.</summary>
    public double Amplitude { get; }

    /// <summary>Clothing intensity relative to the background.</summary>
    public float Clothing { get; }

    /// <summary>Skin intensity relative to the background.</summary>
    public float Skin { get; }

    /// <summary>Short sleeves: forearms show skin rather than clothing.</summary>
    public bool BareForearms { get; }

    /// <summary>How far out the elbows sit in waving poses, 0.6–1.</summary>
    public float ElbowOutward { get; }

    public float UpperArm => 23 * Scale;

    public float Forearm => 21 * Scale;

    public float UpperArmRadius => 4.2f * Scale;

    public float ForearmRadius => 3.4f * Scale;

    public float HandRadius => 4.6f * Scale;

    /// <summary>Shoulder of the right arm (side −1, on the sensor's left: the subject faces the camera) or the left arm (side +1).</summary>
    public Vector2 Shoulder(int side) => new(CenterX + (side * 17 * Scale), ShoulderY);
}
