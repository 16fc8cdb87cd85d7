namespace Neuro.Data.Formats;

/// <summary>The event file formats this library reads.</summary>
public enum EventFileFormat
{
    /// <summary>jAER's AEDAT 2.0: big-endian 32-bit address and 32-bit timestamp pairs.</summary>
    Aedat2,

    /// <summary>cAER's AEDAT 3.1: little-endian packets with 28-byte headers (what DVS128 Gesture ships).</summary>
    Aedat31,

    /// <summary>DV's AEDAT 4.0: a FlatBuffer IOHeader and compressed FlatBuffer packets.</summary>
    Aedat4,
}
