namespace Neuro.Core.Errors;

/// <summary>
/// The base of every error Neuro raises for bad input: a config that does not validate, a corrupt file,
/// a program that does not fit a board. The CLI prints <see cref="Exception.Message"/> as a one-line
/// reason and exits with code 1; anything else is a bug and keeps its stack trace.
/// </summary>
public class NeuroException : Exception
{
    public NeuroException(string message) : base(message) { }

    public NeuroException(string message, Exception inner) : base(message, inner) { }
}
