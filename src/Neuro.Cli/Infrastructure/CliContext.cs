using Spectre.Console;

namespace Neuro.Cli.Infrastructure;

/// <summary>
/// Where a verb writes. Tests swap both writers for <see cref="StringWriter"/>s; verbs never touch
/// <see cref="Console"/> directly.
/// </summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool interactive)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
            Console.Profile.Width = 160;
    }

    /// <summary>Plain output for machine-readable results (<c>--json</c>).</summary>
    public TextWriter Output { get; }

    /// <summary>One-line errors and warnings.</summary>
    public TextWriter Error { get; }

    /// <summary>Tables, markup and progress for people.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>True when a person watches a terminal: progress bars animate only then.</summary>
    public bool Interactive { get; }

    public static CliContext FromConsole() =>
        new(System.Console.Out, System.Console.Error, interactive: !System.Console.IsOutputRedirected);
}
