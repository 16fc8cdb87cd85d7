using System.Reflection;
using Neuro.Core.Errors;

namespace Neuro.Core.SearchSpaces;

/// <summary>
/// The search spaces shipped in the repository (<c>src/Neuro.Core/SearchSpaces/Spaces/*.yaml</c>, embedded in the
/// assembly): each is a file a user can copy and edit, read by the same <see cref="SearchSpaceFile"/> as theirs.
/// </summary>
public static class SearchSpaceCatalog
{
    /// <summary>The default for <c>neuro search</c>: DVS128 Gesture sized for microcontrollers.</summary>
    public const string DefaultName = "dvsgesture-mcu";

    /// <summary>The smaller space supernet training uses by default (one input size, as weight sharing needs).</summary>
    public const string SupernetName = "dvsgesture-mcu-supernet";

    private const string ResourcePrefix = "Neuro.Core.SearchSpaces.Spaces.";

    /// <summary>Names of the shipped spaces.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(SearchSpaceCatalog).Assembly.GetManifestResourceNames()
        .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(name => name[ResourcePrefix.Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The text of a shipped space file.</summary>
    public static string Text(string name)
    {
        using var stream = typeof(SearchSpaceCatalog).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".yaml")
            ?? throw new NeuroException($"unknown search space '{name}'; shipped spaces: {string.Join(", ", Names)}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <exception cref="NeuroException">No shipped space has that name.</exception>
    public static SearchSpace Get(string name) => SearchSpaceFile.Parse(Text(name), $"search space '{name}'");

    /// <summary>A shipped space by name, else a YAML/JSON file by path.</summary>
    public static SearchSpace Resolve(string nameOrPath) =>
        Names.Contains(nameOrPath, StringComparer.Ordinal) ? Get(nameOrPath)
        : File.Exists(nameOrPath) ? SearchSpaceFile.Load(nameOrPath)
        : throw new NeuroException($"'{nameOrPath}' is neither a shipped search space ({string.Join(", ", Names)}) nor a file");
}
