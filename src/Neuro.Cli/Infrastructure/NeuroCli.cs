using System.CommandLine;
using Neuro.Cli.Commands;

namespace Neuro.Cli.Infrastructure;

/// <summary>Builds the <c>neuro</c> command tree and runs it.</summary>
public static class NeuroCli
{
    public static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand(
            "Neuro: search, compile, simulate and deploy spiking transformers for DVS gesture recognition on microcontrollers.");
        root.Subcommands.Add(ArchCommand.Create(context));
        root.Subcommands.Add(DataCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(EvaluateCommand.Create(context));
        root.Subcommands.Add(SupernetCommand.Create(context));
        root.Subcommands.Add(CompileCommand.Create(context));
        root.Subcommands.Add(ProgramCommand.Create(context));
        root.Subcommands.Add(FirmwareCommand.Create(context));
        root.Subcommands.Add(BoardCommand.Create(context));
        root.Subcommands.Add(SearchCommand.Create(context));
        root.Subcommands.Add(LinkCommands.CreateDeploy(context));
        root.Subcommands.Add(LinkCommands.CreateStream(context));
        root.Subcommands.Add(SimCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(context);
        var configuration = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
