namespace Neuro.Data.Formats;

/// <summary>Pixel-array sizes of the sensors whose names appear in AEDAT headers.</summary>
internal static class KnownSensors
{
    private static readonly (string Name, int Width, int Height)[] Sizes =
    [
        ("DVS128", 128, 128),
        ("DAVIS240", 240, 180),
        ("DAVIS128", 128, 128),
        ("DAVIS208", 208, 192),
        ("DAVIS346", 346, 260),
        ("DAVIS640", 640, 480),
        ("DVXPLORER_LITE", 320, 240),
        ("DVXPLORER", 640, 480),
    ];

    /// <summary>Size of the first known sensor whose name occurs in <paramref name="text"/>, ignoring case.</summary>
    public static (int Width, int Height)? Find(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        var normalized = text.Replace("-", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        foreach (var (name, width, height) in Sizes)
        {
            if (normalized.Contains(name.Replace("_", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)
                || normalized.Contains(name, StringComparison.OrdinalIgnoreCase))
                return (width, height);
        }
        return null;
    }
}
