namespace Neuro.Data.Gestures;

/// <summary>A problem in a dataset that was reported rather than raised: an empty or overlapping label row, an unknown class.</summary>
/// <param name="Path">The file concerned.</param>
/// <param name="Line">1-based line number, or 0 when the problem concerns the whole file.</param>
/// <param name="Message">What is wrong and what was done about it.</param>
public sealed record DatasetDiagnostic(string Path, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path}:{Line}: {Message}" : $"{Path}: {Message}";
}
