using System.Text.Json;
using System.Text.Json.Serialization;
using Neuro.Core.Errors;

namespace Neuro.Core.Architecture;

/// <summary>Reads and writes <see cref="ArchitectureConfig"/> as JSON (camelCase; enums as names), validating on read.</summary>
public static class ArchitectureJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(ArchitectureConfig config) => JsonSerializer.Serialize(config, Options);

    /// <summary>Parses and validates; errors name <paramref name="source"/> and the field (JSON path) at fault.</summary>
    /// <exception cref="ConfigValidationException">The JSON is malformed, a field is missing or unknown, or a value is invalid.</exception>
    public static ArchitectureConfig Deserialize(string json, string source = "architecture config")
    {
        ArchitectureConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ArchitectureConfig>(json, Options);
        }
        catch (JsonException error)
        {
            string field = string.IsNullOrEmpty(error.Path) ? "$" : error.Path.TrimStart('$', '.');
            throw new ConfigValidationException(source, [new ValidationError(field, FirstSentence(error.Message))]);
        }
        if (config is null)
            throw new ConfigValidationException(source, [new ValidationError("$", "is null")]);
        if (config.Blocks.Any(block => block is null) || config.Input is null || config.Sps is null || config.Sps.Lif is null
            || config.Sps.MaxPoolAfter is null || config.Bias is null || config.Blocks.Any(block => block.Lif is null))
            throw new ConfigValidationException(source, [new ValidationError("$", "a required object is null")]);
        return ArchitectureValidator.EnsureValid(config, source);
    }

    public static ArchitectureConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new NeuroException($"config file {path} does not exist");
        return Deserialize(File.ReadAllText(path), path);
    }

    /// <summary>Writes through a temporary file so a crash never leaves half a config behind.</summary>
    public static void Save(ArchitectureConfig config, string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, Serialize(config));
        File.Move(temporary, path, overwrite: true);
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
