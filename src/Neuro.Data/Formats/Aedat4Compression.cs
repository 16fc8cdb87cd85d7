namespace Neuro.Data.Formats;

/// <summary>
/// Packet compression of an AEDAT 4.0 file: the <c>CompressionType</c> enum of dv-processing's IOHeader
/// schema, with the same numeric values.
/// </summary>
public enum Aedat4Compression
{
    /// <summary>Packets are stored as they are.</summary>
    None = 0,

    /// <summary>Each packet is one LZ4 frame.</summary>
    Lz4 = 1,

    /// <summary>Each packet is one LZ4 frame, compressed at high level.</summary>
    Lz4High = 2,

    /// <summary>Each packet is one Zstandard frame.</summary>
    Zstd = 3,

    /// <summary>Each packet is one Zstandard frame, compressed at high level.</summary>
    ZstdHigh = 4,
}
