using Neuro.Core.Errors;

namespace Neuro.Data.Framing;

/// <summary>An option of the data pipeline (framing, synthesis) outside its valid range, or events that do not fit the options.</summary>
public sealed class DataOptionsException : NeuroException
{
    public DataOptionsException(string message) : base(message) { }
}
