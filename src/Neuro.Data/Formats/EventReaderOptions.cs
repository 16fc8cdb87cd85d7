namespace Neuro.Data.Formats;

/// <summary>Settings for opening an event file; the defaults suit every supported format.</summary>
public sealed record EventReaderOptions
{
    /// <summary>The defaults.</summary>
    public static EventReaderOptions Default { get; } = new();

    /// <summary>Size of the read buffer in bytes. Packets larger than this grow it for as long as they need.</summary>
    public int BufferSize
    {
        get;
        init => field = value >= 4096 ? value : throw new ArgumentOutOfRangeException(nameof(BufferSize), value, "the read buffer must be at least 4096 bytes");
    } = 1 << 20;

    /// <summary>
    /// The address layout of an AEDAT 2.0 file. Null (the default) picks it from the header's <c># AEChip:</c>
    /// line and falls back to <see cref="Aedat2Camera.Dvs128"/>.
    /// </summary>
    public Aedat2Camera? Aedat2Camera { get; init; }

    /// <summary>
    /// When true, AEDAT 2.0 coordinates are returned exactly as jAER shows them (origin bottom-left, y up).
    /// When false (the default) the y axis is flipped so that every format shares the top-left origin.
    /// </summary>
    public bool Aedat2JaerOrigin { get; init; }
}
