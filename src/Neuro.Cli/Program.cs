using Neuro.Cli.Infrastructure;

namespace Neuro.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args) => NeuroCli.RunAsync(args, CliContext.FromConsole());
}
