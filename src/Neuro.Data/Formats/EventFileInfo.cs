namespace Neuro.Data.Formats;

/// <summary>What a reader learned from a file's header.</summary>
/// <param name="Path">The file.</param>
/// <param name="Format">Its format.</param>
/// <param name="Width">Sensor width in pixels when the header names a known sensor, otherwise null.</param>
/// <param name="Height">Sensor height in pixels when the header names a known sensor, otherwise null.</param>
/// <param name="Source">The sensor or source named by the header (for example <c>DVS128</c>), or null.</param>
/// <param name="HeaderLines">The header's text lines (AEDAT 2/3) or its info node (AEDAT 4), without line terminators.</param>
public sealed record EventFileInfo(
    string Path,
    EventFileFormat Format,
    int? Width,
    int? Height,
    string? Source,
    IReadOnlyList<string> HeaderLines);
