using System.Diagnostics;

namespace Neuro.Pipeline;

/// <summary>Times the demo's stages, forwards their progress and collects notes.</summary>
internal sealed class StageRunner(IProgress<DemoProgress>? progress, Action<DemoNote>? onNote)
{
    private readonly List<DemoStageTiming> _timings = [];
    private readonly List<DemoNote> _notes = [];

    public IReadOnlyList<DemoStageTiming> Timings => _timings;

    public IReadOnlyList<DemoNote> Notes => _notes;

    public T Run<T>(DemoStage stage, Func<T> body)
    {
        var clock = Stopwatch.StartNew();
        var result = body();
        Finish(stage, clock);
        return result;
    }

    public async Task<T> RunAsync<T>(DemoStage stage, Func<Task<T>> body)
    {
        var clock = Stopwatch.StartNew();
        var result = await body().ConfigureAwait(false);
        Finish(stage, clock);
        return result;
    }

    public void Report(DemoStage stage, double done, double total, string detail) =>
        progress?.Report(new DemoProgress(stage, done, total, detail));

    public void Note(DemoStage stage, string text)
    {
        var note = new DemoNote(stage, text);
        _notes.Add(note);
        onNote?.Invoke(note);
    }

    private void Finish(DemoStage stage, Stopwatch clock)
    {
        _timings.Add(new DemoStageTiming(stage.ToString().ToLowerInvariant(), Math.Round(clock.Elapsed.TotalSeconds, 1)));
        Report(stage, 1, 1, $"done in {clock.Elapsed.TotalSeconds:F1} s");
    }
}

/// <summary>Forwards synchronously (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
internal sealed class Relay<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
