namespace Neuro.Data.Gestures;

/// <summary>One row of a <c>*_labels.csv</c> file: a gesture performed over [<see cref="StartUs"/>, <see cref="EndUs"/>).</summary>
/// <param name="ClassIndex">Class index 0–10 (the file's label minus one).</param>
/// <param name="StartUs">First microsecond of the gesture, inclusive.</param>
/// <param name="EndUs">End of the gesture in microseconds, exclusive.</param>
/// <param name="Line">1-based line of the row in its file.</param>
public sealed record GestureLabel(int ClassIndex, long StartUs, long EndUs, int Line)
{
    /// <summary>The class name.</summary>
    public string ClassName => DvsGestureClasses.Name(ClassIndex);

    /// <summary>Length of the interval in microseconds.</summary>
    public long DurationUs => EndUs - StartUs;
}
