using System.Globalization;
using System.Text;
using Neuro.Data.Formats;

namespace Neuro.Data.Gestures;

/// <summary>
/// Reads and writes DVS128 Gesture label files: a <c>class,startTime_usec,endTime_usec</c> header line, then
/// one row per gesture with the class 1–11 and its interval in microseconds.
/// </summary>
public static class GestureLabelsCsv
{
    /// <summary>The header line of every label file.</summary>
    public const string Header = "class,startTime_usec,endTime_usec";

    /// <summary>
    /// Reads the rows of <paramref name="path"/>. Rows that cannot be used (empty interval, unknown class) are
    /// reported to <paramref name="diagnostics"/> and left out; overlapping rows are reported and kept. A row
    /// that is not three integers is an error.
    /// </summary>
    /// <exception cref="EventFileException">The header is missing or a row does not parse.</exception>
    public static IReadOnlyList<GestureLabel> Read(string path, ICollection<DatasetDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        var labels = new List<GestureLabel>();
        var offset = 0;
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var lineOffset = offset;
            offset += Encoding.UTF8.GetByteCount(rawLine) + 1;
            var line = rawLine.Trim().TrimStart('\uFEFF');
            if (lineNumber == 1)
            {
                if (!line.Replace(" ", string.Empty, StringComparison.Ordinal).Equals(Header, StringComparison.OrdinalIgnoreCase))
                    throw new EventFileException(path, 0, $"expected the header '{Header}', found '{line}'");
                continue;
            }
            if (line.Length == 0)
                continue;
            var fields = line.Split(',');
            if (fields.Length != 3
                || !int.TryParse(fields[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var label)
                || !long.TryParse(fields[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(fields[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var end))
                throw new EventFileException(path, lineOffset, $"line {lineNumber}: expected 'class,startTime_usec,endTime_usec' as three integers, found '{line}'");
            if (label is < 1 or > DvsGestureClasses.Count)
            {
                diagnostics.Add(new DatasetDiagnostic(path, lineNumber, $"class {label} is outside 1–{DvsGestureClasses.Count}; row skipped"));
                continue;
            }
            if (end <= start)
            {
                diagnostics.Add(new DatasetDiagnostic(path, lineNumber, $"empty interval [{start}, {end}) µs; row skipped"));
                continue;
            }
            labels.Add(new GestureLabel(label - 1, start, end, lineNumber));
        }
        if (lineNumber == 0 || (lineNumber == 1 && text.Length == 0))
            throw new EventFileException(path, 0, $"expected the header '{Header}', found an empty file");
        ReportOverlaps(path, labels, diagnostics);
        return labels;
    }

    private static void ReportOverlaps(string path, List<GestureLabel> labels, ICollection<DatasetDiagnostic> diagnostics)
    {
        var sorted = labels.OrderBy(l => l.StartUs).ThenBy(l => l.Line).ToList();
        var reach = sorted.Count > 0 ? sorted[0] : null;
        foreach (var label in sorted.Skip(1))
        {
            if (label.StartUs < reach!.EndUs)
                diagnostics.Add(new DatasetDiagnostic(path, label.Line,
                    $"interval [{label.StartUs}, {label.EndUs}) µs overlaps line {reach.Line} [{reach.StartUs}, {reach.EndUs}) µs; both kept, the shared events go to both samples"));
            if (label.EndUs > reach.EndUs)
                reach = label;
        }
    }

    /// <summary>Writes <paramref name="labels"/> with the standard header.</summary>
    public static void Write(string path, IEnumerable<GestureLabel> labels)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        foreach (var label in labels)
            text.Append(CultureInfo.InvariantCulture, $"{label.ClassIndex + 1},{label.StartUs},{label.EndUs}\n");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }
}
