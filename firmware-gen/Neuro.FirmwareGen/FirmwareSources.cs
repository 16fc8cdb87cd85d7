using Neuro.Core.Errors;

namespace Neuro.FirmwareGen;

/// <summary>
/// Finds the C sources the generator copies: <c>runtime/include</c>, <c>runtime/src</c>, <c>hal</c> and
/// <c>app</c>. They are the <c>firmware/</c> folder beside the running assembly (every build copies it
/// there), else <c>$NEURO_FIRMWARE_SOURCES</c>, else the repository's <c>firmware-gen/</c> above the
/// working directory.
/// </summary>
public static class FirmwareSources
{
    public static string Directory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("NEURO_FIRMWARE_SOURCES");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (!IsSourceTree(fromEnvironment))
                throw new NeuroException($"NEURO_FIRMWARE_SOURCES={fromEnvironment} has no runtime/include, hal and app folders");
            return fromEnvironment;
        }
        string beside = Path.Combine(AppContext.BaseDirectory, "firmware");
        if (IsSourceTree(beside))
            return beside;
        for (var directory = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "firmware-gen");
            if (File.Exists(Path.Combine(directory.FullName, "Neuro.sln")) && IsSourceTree(candidate))
                return candidate;
        }
        throw new NeuroException("cannot find the firmware sources (set NEURO_FIRMWARE_SOURCES to the firmware-gen folder)");
    }

    private static bool IsSourceTree(string directory) =>
        System.IO.Directory.Exists(Path.Combine(directory, "runtime", "include"))
        && System.IO.Directory.Exists(Path.Combine(directory, "hal"))
        && System.IO.Directory.Exists(Path.Combine(directory, "app"));
}
