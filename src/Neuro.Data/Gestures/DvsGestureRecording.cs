using System.Globalization;
using System.Text.RegularExpressions;

namespace Neuro.Data.Gestures;

/// <summary>One recording of DVS128 Gesture: <c>userNN_&lt;lighting&gt;.aedat</c> and its <c>userNN_&lt;lighting&gt;_labels.csv</c>.</summary>
/// <param name="EventsPath">The AEDAT file.</param>
/// <param name="LabelsPath">Its label file.</param>
/// <param name="User">The user number NN.</param>
/// <param name="Lighting">The lighting condition, for example <c>fluorescent</c> or <c>natural</c>.</param>
public sealed partial record DvsGestureRecording(string EventsPath, string LabelsPath, int User, string Lighting)
{
    /// <summary>The file name of the events, for example <c>user01_fluorescent.aedat</c>.</summary>
    public string Name => Path.GetFileName(EventsPath);

    /// <summary>The file name of a recording of <paramref name="user"/> under <paramref name="lighting"/>.</summary>
    public static string FileName(int user, string lighting) =>
        string.Create(CultureInfo.InvariantCulture, $"user{user:00}_{lighting}.aedat");

    /// <summary>The labels file that belongs to the events file <paramref name="eventsPath"/>.</summary>
    public static string LabelsPathFor(string eventsPath) =>
        Path.Combine(Path.GetDirectoryName(eventsPath) ?? ".", Path.GetFileNameWithoutExtension(eventsPath) + "_labels.csv");

    /// <summary>Parses a <c>userNN_&lt;lighting&gt;.aedat</c> file name; false when it does not follow the pattern.</summary>
    public static bool TryParseName(string fileName, out int user, out string lighting)
    {
        var match = NamePattern().Match(fileName);
        user = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        lighting = match.Success ? match.Groups[2].Value : string.Empty;
        return match.Success;
    }

    [GeneratedRegex(@"^user(\d+)_(.+)\.aedat$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
