namespace Neuro.Cli.Infrastructure;

/// <summary>
/// Reports on the calling thread, so a progress bar is updated before the next step starts (unlike
/// <see cref="Progress{T}"/>, which posts to the thread pool and can reorder reports).
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
