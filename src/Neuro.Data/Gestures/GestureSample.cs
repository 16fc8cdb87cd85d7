using Neuro.Data.Events;

namespace Neuro.Data.Gestures;

/// <summary>The events of one labelled gesture: those of its recording with start ≤ t &lt; end.</summary>
/// <param name="Recording">The recording it was cut from.</param>
/// <param name="Label">The label row.</param>
/// <param name="Events">Its events, in time order.</param>
public sealed record GestureSample(DvsGestureRecording Recording, GestureLabel Label, EventBuffer Events)
{
    /// <summary>Class index 0–10.</summary>
    public int ClassIndex => Label.ClassIndex;
}
