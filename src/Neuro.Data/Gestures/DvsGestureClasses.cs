namespace Neuro.Data.Gestures;

/// <summary>The 11 DVS128 Gesture classes. Label files number them 1–11; this library uses indices 0–10.</summary>
public static class DvsGestureClasses
{
    /// <summary>Number of classes.</summary>
    public const int Count = 11;

    /// <summary>Class names in the dataset's order: index 0 is label 1.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "hand_clapping",
        "right_hand_wave",
        "left_hand_wave",
        "right_arm_clockwise",
        "right_arm_counter_clockwise",
        "left_arm_clockwise",
        "left_arm_counter_clockwise",
        "arm_roll",
        "air_drums",
        "air_guitar",
        "other_gestures",
    ];

    /// <summary>The name of class <paramref name="classIndex"/> (0–10).</summary>
    public static string Name(int classIndex) =>
        (uint)classIndex < Count ? Names[classIndex] : throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, "class indices run from 0 to 10");
}
