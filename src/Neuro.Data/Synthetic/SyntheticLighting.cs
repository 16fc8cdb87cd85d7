namespace Neuro.Data.Synthetic;

/// <summary>
/// A lighting condition: how bright the background is, how strongly the light falls off across the scene,
/// and how much shot noise the sensor shows (more in dim light, as on a real DVS).
/// </summary>
/// <param name="Name">The name used in file names.</param>
/// <param name="Background">Background intensity in arbitrary linear units.</param>
/// <param name="Gradient">Relative change of illumination from one side of the scene to the other.</param>
/// <param name="ShotNoiseHz">Shot-noise events per pixel per second.</param>
internal sealed record SyntheticLighting(string Name, double Background, double Gradient, double ShotNoiseHz)
{
    private static readonly SyntheticLighting[] All =
    [
        new("fluorescent", 100, 0.25, 0.25),
        new("fluorescent_led", 80, 0.20, 0.35),
        new("lab", 120, 0.35, 0.15),
        new("led", 55, 0.15, 0.6),
        new("natural", 160, 0.45, 0.1),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(l => l.Name).ToArray();

    public static SyntheticLighting Get(string name) => All.First(l => l.Name == name);

    /// <summary>Position of the condition in <see cref="Names"/>, used to derive its random stream.</summary>
    public static int IndexOf(string name) => Array.FindIndex(All, l => l.Name == name);
}
