using Neuro.Core.Errors;

namespace Neuro.Data.Gestures;

/// <summary>A dataset folder that does not have the expected layout: a listed recording or its labels file is missing.</summary>
public sealed class DatasetException : NeuroException
{
    public DatasetException(string message) : base(message) { }
}
