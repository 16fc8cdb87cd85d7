using Neuro.Core.Errors;

namespace Neuro.Link;

/// <summary>The link failed: a port that cannot be opened, a board that stops answering, a malformed reply.</summary>
public class LinkException : NeuroException
{
    public LinkException(string message) : base(message) { }

    public LinkException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The board answered a request with ERROR: <see cref="Code"/> says why, the message names the request.</summary>
public sealed class BoardRefusedException : LinkException
{
    public BoardRefusedException(string request, BoardError code, string text)
        : base($"board refused {request}: {Describe(code)} ({text})")
    {
        Code = code;
        BoardText = text;
    }

    public BoardError Code { get; }

    public string BoardText { get; }

    private static string Describe(BoardError code) => code switch
    {
        BoardError.AuthRequired => "the program is unsigned and this board only accepts signed deploys; pass --key",
        BoardError.BadTag => "the authentication tag does not verify: wrong key, or the program or its hash was tampered with",
        BoardError.Replay => "replayed deploy: its counter is not newer than the board's",
        BoardError.HashMismatch => "the bytes received do not hash to the program's SHA-256: tampered or corrupted in transit",
        BoardError.LoadFailed => "the runtime refused the program",
        BoardError.TooLarge => "the program does not fit the board's program slot",
        BoardError.NoProgram => "no program is deployed",
        BoardError.Baked => "this firmware has its program baked in and no program slots; to deploy over the link, flash a loader firmware (neuro firmware --board B --key FILE, without --baked)",
        _ => code.ToString(),
    };
}

/// <summary>ERROR codes of docs/protocol.md section 6.</summary>
public enum BoardError : ushort
{
    Malformed = 1,
    UnknownType = 2,
    NoSession = 3,
    TooLarge = 4,
    AuthRequired = 5,
    BadTag = 6,
    Replay = 7,
    NoUpload = 8,
    BadOffset = 9,
    Incomplete = 10,
    HashMismatch = 11,
    LoadFailed = 12,
    Storage = 13,
    NoProgram = 14,
    SampleState = 15,
    BadEvents = 16,
    Execution = 17,
    Baked = 18,
}
