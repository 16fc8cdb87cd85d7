namespace Neuro.Data.Events;

/// <summary>
/// One polarity event of a dynamic vision sensor: a pixel whose log intensity changed by more than its
/// contrast threshold. Coordinates have their origin at the top-left pixel with y growing downwards (the
/// cAER/DV convention); see docs/data.md for how each file format is mapped onto it.
/// </summary>
/// <param name="Timestamp">Time of the event in microseconds, as recorded in the file.</param>
/// <param name="X">Column, 0 at the left.</param>
/// <param name="Y">Row, 0 at the top.</param>
/// <param name="On">True for an ON event (brightness increased), false for OFF.</param>
public readonly record struct DvsEvent(long Timestamp, int X, int Y, bool On);
