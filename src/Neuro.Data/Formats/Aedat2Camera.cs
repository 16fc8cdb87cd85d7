namespace Neuro.Data.Formats;

/// <summary>
/// AEDAT 2.0 address layouts, as jAER's event extractors decode them. Both flip x (jAER's raw x counts
/// from the right edge of the array) and use jAER's polarity convention; see docs/data.md.
/// </summary>
public enum Aedat2Camera
{
    /// <summary>
    /// DVS128 (jAER <c>DVS128</c>/<c>Tmpdiff128</c>): bit 0 is the polarity with 0 meaning ON, bits 1–7 are x,
    /// bits 8–14 are y; an address with bit 15 set is a special (sync) event. 128 × 128 pixels.
    /// </summary>
    Dvs128,

    /// <summary>DAVIS240 (jAER <c>DavisBaseCamera</c> layout): 240 × 180 pixels.</summary>
    Davis240,

    /// <summary>DAVIS346 (jAER <c>DavisBaseCamera</c> layout): 346 × 260 pixels.</summary>
    Davis346,
}
