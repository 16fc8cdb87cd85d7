using Neuro.Core.Errors;

namespace Neuro.Data.Gestures;

/// <summary>A dataset folder that cannot be used: a listed recording or its labels file is missing, or its frame cache cannot be written.</summary>
public sealed class DatasetException : NeuroException
{
    public DatasetException(string message) : base(message) { }
}
