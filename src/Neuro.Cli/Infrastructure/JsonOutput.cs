using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Neuro.Core.Architecture;

namespace Neuro.Cli.Infrastructure;

/// <summary>
/// The one JSON style of every <c>--json</c> output: the config files' style (camelCase names, enums as
/// camelCase strings, indented), leaving nulls out. Field names are part of the CLI's contract (docs/cli.md).
/// </summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(ArchitectureJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write<T>(TextWriter output, T value)
    {
        output.WriteLine(JsonSerializer.Serialize(value, Options));
    }

    /// <summary>The <c>--json</c> switch every reporting verb takes.</summary>
    public static Option<bool> CreateOption() => new("--json") { Description = "Print machine-readable JSON instead of tables" };

    /// <summary>Writes <paramref name="report"/> as JSON when <paramref name="json"/> is set, else renders it for people; returns exit code 0.</summary>
    public static int Report<T>(CliContext context, bool json, T report, Action<Spectre.Console.IAnsiConsole, T> render)
    {
        if (json)
            Write(context.Output, report);
        else
            render(context.Console, report);
        return 0;
    }
}
