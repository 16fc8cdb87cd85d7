using System.CommandLine;
using Neuro.Models.Training;

namespace Neuro.Cli.Infrastructure;

/// <summary>The options every verb that reads DVS128 Gesture frames shares.</summary>
internal static class DatasetOptions
{
    public static Option<DirectoryInfo?> CreateCacheOption() => new("--cache")
    {
        Description = "Folder for the framed-sample cache (default DATA/.frame-cache; needed when DATA is read-only)",
    };

    public static DvsGestureFrames Open(DirectoryInfo data, DirectoryInfo? cache, CancellationToken cancellationToken) =>
        DvsGestureFrames.Open(data.FullName, cache?.FullName, cancellationToken);
}
