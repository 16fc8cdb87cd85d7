namespace Neuro.Link;

/// <summary>Message types of docs/protocol.md section 4. Requests (host to board) have the high bit clear.</summary>
public enum MessageType : byte
{
    Hello = 0x01,
    Begin = 0x10,
    Chunk = 0x11,
    Commit = 0x12,
    Abort = 0x13,
    StartSample = 0x20,
    Events = 0x21,
    EndSample = 0x22,
    GetStats = 0x30,
    Reset = 0x31,
    Ack = 0x80,
    Nak = 0x81,
    Info = 0x82,
    UploadStatus = 0x83,
    Result = 0x84,
    Stats = 0x85,
    Error = 0x8F,
}

/// <summary>EVENTS encodings (docs/protocol.md section 5).</summary>
public enum EventEncoding : byte
{
    /// <summary>u16 cell index per event; repeated indices add up.</summary>
    Sparse16 = 0,

    /// <summary>u16 cell index and u8 count per non-zero cell.</summary>
    Sparse16Count = 1,

    /// <summary>One bit per cell from the part's base, LSB first (frames whose cells are all 0 or 1).</summary>
    Bitmap = 2,

    /// <summary>One u8 per cell from the part's base.</summary>
    Dense = 3,
}
