using System.Diagnostics;

namespace Neuro.Link.Tests.Support;

/// <summary>Builds the C board side (firmware-gen/runtime/link) with the host gcc, once per test run.</summary>
public static class NativeBoard
{
    private static readonly Lazy<string> Built = new(Build);

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Neuro.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Neuro.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string LinkSources => Path.Combine(RepositoryRoot, "firmware-gen", "runtime", "link");

    /// <summary>Path of the board_host executable (fake executor).</summary>
    public static string BoardHost => Built.Value;

    /// <summary>Path of board_host_nsp: the same board running programs on the C runtime (nsp.h).</summary>
    public static string BoardHostNsp => Path.Combine(Path.GetDirectoryName(Built.Value)!, "board_host_nsp");

    private static string Build()
    {
        var output = Path.Combine(Path.GetTempPath(), "neuro-link-tests", Environment.ProcessId.ToString());
        Directory.CreateDirectory(output);
        Make(output, "all");
        return Path.Combine(output, "board_host"); // libboard_host.so is built beside it
    }

    public static string Make(string output, string target, int timeoutSeconds = 120, params string[] variables)
    {
        var start = new ProcessStartInfo("make", ["-C", LinkSources, $"OUT={output}", target, .. variables])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var make = Process.Start(start)!;
        var stdout = make.StandardOutput.ReadToEndAsync();
        var stderr = make.StandardError.ReadToEndAsync();
        if (!make.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            make.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"make {target} timed out");
        }
        if (make.ExitCode != 0)
        {
            throw new InvalidOperationException($"make {target} failed:\n{stdout.Result}\n{stderr.Result}");
        }
        return stdout.Result + stderr.Result;
    }
}
