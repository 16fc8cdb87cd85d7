using System.CommandLine;
using Neuro.Core.Errors;

namespace Neuro.Cli.Infrastructure;

/// <summary>
/// Runs a verb's body with the CLI's error contract: exit 0 on success, 1 with a one-line reason for bad
/// input (<see cref="NeuroException"/>, missing files), 130 when cancelled with Ctrl+C. Anything else is
/// a bug and propagates with its stack trace.
/// </summary>
public static class VerbAction
{
    public static void Set(Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await body(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (NeuroException error)
            {
                await context.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await context.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
                return 130;
            }
        });
    }

    public static void Set(Command command, CliContext context, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, context, (parseResult, cancellationToken) => Task.FromResult(body(parseResult, cancellationToken)));
}
