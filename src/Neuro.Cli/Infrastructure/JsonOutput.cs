using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neuro.Cli.Infrastructure;

/// <summary>
/// The one JSON style of every <c>--json</c> output: camelCase names, enums as camelCase strings,
/// indented. Field names are part of the CLI's contract (docs/cli.md).
/// </summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write<T>(TextWriter output, T value)
    {
        output.WriteLine(JsonSerializer.Serialize(value, Options));
    }
}
