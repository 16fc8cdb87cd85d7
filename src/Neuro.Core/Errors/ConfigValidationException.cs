namespace Neuro.Core.Errors;

/// <summary>One reason a config is invalid, with the JSON path of the field at fault (e.g. <c>blocks[1].heads</c>).</summary>
public sealed record ValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>A config or search space failed validation; the message lists every field at fault.</summary>
public sealed class ConfigValidationException : NeuroException
{
    public ConfigValidationException(string source, IReadOnlyList<ValidationError> errors)
        : base($"{source} is invalid: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ValidationError> Errors { get; }
}
