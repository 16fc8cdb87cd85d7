using Neuro.Core.Errors;

namespace Neuro.Data.Formats;

/// <summary>
/// A data file that does not follow its format: wrong magic, a truncated header or packet, sizes that
/// disagree, timestamps that go backwards. The message names the file, the byte offset and what was
/// expected there, so the CLI can print it as one line.
/// </summary>
public sealed class EventFileException : NeuroException
{
    public EventFileException(string path, long offset, string problem)
        : base($"{path}: at byte {offset}: {problem}")
    {
        Path = path;
        Offset = offset;
        Problem = problem;
    }

    public EventFileException(string path, long offset, string problem, Exception inner)
        : base($"{path}: at byte {offset}: {problem}", inner)
    {
        Path = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file that failed to parse.</summary>
    public string Path { get; }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>What was expected and what was found, without the file and offset.</summary>
    public string Problem { get; }
}
