namespace Neuro.Pipeline;

/// <summary>The demo's stages, in the order they run.</summary>
public enum DemoStage
{
    Data,
    Search,
    Train,
    Compile,
    Audit,
    Firmware,
    Board,
    Deploy,
    Stream,
    Report,
}

/// <summary>
/// Reported synchronously while a stage runs: <paramref name="Done"/> of <paramref name="Total"/> units (samples,
/// generations, batches), and what is happening in words. A stage ends with <paramref name="Done"/> = <paramref name="Total"/>.
/// </summary>
public sealed record DemoProgress(DemoStage Stage, double Done, double Total, string Detail);

/// <summary>Something a person should know that is not a failure (a fallback board, a missing figure).</summary>
public sealed record DemoNote(DemoStage Stage, string Text);
