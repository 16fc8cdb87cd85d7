using System.ComponentModel;
using System.Diagnostics;
using Neuro.Core.Errors;

namespace Neuro.FirmwareGen;

/// <summary>The finished run of a command-line tool.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Error);

/// <summary>Runs compilers and size tools; a cancelled run is killed by its PID, never left behind.</summary>
public static class ToolProcess
{
    public static async Task<ToolResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw new NeuroException($"cannot run {fileName}: {error.Message} (is it installed and on PATH?)");
        }
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errorText = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new ToolResult(process.ExitCode, await output.ConfigureAwait(false), await errorText.ConfigureAwait(false));
    }
}
