using System.Globalization;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Neuro.Core.SearchSpaces;

/// <summary>
/// Reads a search space from YAML or JSON (JSON is read as YAML's flow style, so one reader serves both):
/// <code>
/// name: dvsgesture-mcu
/// template: dvsgesture-mcu-1-64          # a preset: input, classes, SPS pools, attention, biases
/// choices:
///   embedDim: { min: 16, max: 128, step: 16 }   # lower limit, upper limit, step
///   heads: [1, 2, 4]                            # or an explicit list
///   ...
/// </code>
/// Choices: <c>embedDim</c>, <c>depth</c>, <c>mlpRatio</c>, <c>heads</c>, <c>threshold</c>, <c>tau</c>,
/// <c>timeSteps</c> (all required) and <c>downsample</c> (optional). Every error names its field.
/// </summary>
public static class SearchSpaceFile
{
    private static readonly string[] ChoiceFields = ["embedDim", "depth", "mlpRatio", "heads", "threshold", "tau", "timeSteps", "downsample"];

    /// <exception cref="NeuroException">The file is missing, not YAML/JSON, or names a field wrongly.</exception>
    /// <exception cref="ConfigValidationException">The space is invalid; the errors name the fields.</exception>
    public static SearchSpace Load(string path)
    {
        if (!File.Exists(path))
            throw new NeuroException($"search-space file {path} does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <param name="text">YAML or JSON.</param>
    /// <param name="source">Named in errors (a path or a catalog name).</param>
    public static SearchSpace Parse(string text, string source)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode mapping
                ? mapping
                : throw new NeuroException($"{source}: expected one mapping with name, template and choices");
        }
        catch (YamlException error)
        {
            throw new NeuroException($"{source}: not YAML or JSON (line {error.Start.Line}, column {error.Start.Column}: {error.Message})");
        }

        var errors = new List<ValidationError>();
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Select(key => key.Value ?? ""))
        {
            if (key is not ("name" or "description" or "template" or "choices"))
                errors.Add(new ValidationError(key, "is not a field of a search space (name, description, template, choices)"));
        }
        string name = Scalar(root, "name", errors) ?? "unnamed";
        string? templateName = Scalar(root, "template", errors);
        ArchitectureConfig? template = null;
        if (templateName is not null && !Presets.TryGet(templateName, out template))
            errors.Add(new ValidationError("template", $"'{templateName}' is not a preset ({string.Join(", ", Presets.Names)})"));

        YamlMappingNode? choices = null;
        if (!root.Children.TryGetValue(new YamlScalarNode("choices"), out var choicesNode))
            errors.Add(new ValidationError("choices", "is required"));
        else if (choicesNode is not YamlMappingNode choicesMapping)
            errors.Add(new ValidationError("choices", "must be a mapping of choice name to list or range"));
        else
            choices = choicesMapping;

        var values = new Dictionary<string, IReadOnlyList<double>>();
        if (choices is not null)
        {
            foreach (var key in choices.Children.Keys.OfType<YamlScalarNode>().Select(key => key.Value ?? ""))
            {
                if (!ChoiceFields.Contains(key))
                    errors.Add(new ValidationError($"choices.{key}", $"is not a choice ({string.Join(", ", ChoiceFields)})"));
            }
            foreach (string field in ChoiceFields)
            {
                if (choices.Children.TryGetValue(new YamlScalarNode(field), out var node))
                {
                    var list = Choices(node, $"choices.{field}", errors);
                    if (list is not null)
                        values[field] = list;
                }
                else if (field != "downsample")
                {
                    errors.Add(new ValidationError($"choices.{field}", "is required"));
                }
            }
            foreach (string field in new[] { "embedDim", "depth", "heads", "timeSteps", "downsample" })
            {
                if (values.TryGetValue(field, out var list) && list.Any(value => value != Math.Floor(value)))
                    errors.Add(new ValidationError($"choices.{field}", $"must be whole numbers, got {string.Join(", ", list)}"));
            }
        }
        if (errors.Count > 0)
            throw new ConfigValidationException(source, errors);

        static IReadOnlyList<int> Ints(IReadOnlyList<double> list) => list.Select(value => (int)value).ToArray();
        var space = new SearchSpace(
            template! with { Name = name },
            Ints(values["embedDim"]), Ints(values["depth"]), values["mlpRatio"], Ints(values["heads"]),
            values["threshold"], values["tau"], Ints(values["timeSteps"]))
        {
            Name = name,
            Downsamples = values.TryGetValue("downsample", out var downsample) ? Ints(downsample) : null,
        };
        return space.EnsureValid(source);
    }

    /// <summary>
    /// The values of a range <c>{min, max, step}</c>: min + i·step for i = 0 … (max − min)/step, which must be a whole
    /// number (within 1e-9); each value is rounded to 10 decimals so 0.6 + 2·0.2 reads 1.0, not 0.99999….
    /// </summary>
    public static IReadOnlyList<double> Range(double min, double max, double step, string field)
    {
        var errors = new List<ValidationError>();
        var values = Range(min, max, step, field, errors);
        return errors.Count > 0 ? throw new ConfigValidationException("range", errors) : values!;
    }

    private static IReadOnlyList<double>? Range(double min, double max, double step, string field, List<ValidationError> errors)
    {
        if (!(step > 0))
        {
            errors.Add(new ValidationError($"{field}.step", $"must be positive, got {step}"));
            return null;
        }
        if (max < min)
        {
            errors.Add(new ValidationError($"{field}.max", $"{max} is below min {min}"));
            return null;
        }
        double steps = (max - min) / step;
        if (Math.Abs(steps - Math.Round(steps)) > 1e-9 || steps > 10_000)
        {
            errors.Add(new ValidationError($"{field}.step", $"{step} does not divide max − min = {max - min} into at most 10000 steps"));
            return null;
        }
        return Enumerable.Range(0, (int)Math.Round(steps) + 1).Select(i => Math.Round(min + i * step, 10)).ToArray();
    }

    private static IReadOnlyList<double>? Choices(YamlNode node, string field, List<ValidationError> errors)
    {
        switch (node)
        {
            case YamlSequenceNode sequence:
            {
                var list = new List<double>();
                for (int index = 0; index < sequence.Children.Count; index++)
                {
                    if (Number(sequence.Children[index]) is double value)
                        list.Add(value);
                    else
                        errors.Add(new ValidationError($"{field}[{index}]", "must be a number"));
                }
                return list;
            }
            case YamlMappingNode mapping:
            {
                double? Get(string key)
                {
                    if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
                    {
                        errors.Add(new ValidationError($"{field}.{key}", "is required in a range (min, max, step)"));
                        return null;
                    }
                    var number = Number(child);
                    if (number is null)
                        errors.Add(new ValidationError($"{field}.{key}", "must be a number"));
                    return number;
                }
                foreach (var key in mapping.Children.Keys.OfType<YamlScalarNode>().Select(key => key.Value ?? ""))
                {
                    if (key is not ("min" or "max" or "step"))
                        errors.Add(new ValidationError($"{field}.{key}", "is not part of a range (min, max, step)"));
                }
                double? min = Get("min"), max = Get("max"), step = Get("step");
                return min is null || max is null || step is null ? null : Range(min.Value, max.Value, step.Value, field, errors);
            }
            default:
                errors.Add(new ValidationError(field, "must be a list of values or a range {min, max, step}"));
                return null;
        }
    }

    private static double? Number(YamlNode node) =>
        node is YamlScalarNode { Value: { } text }
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : null;

    private static string? Scalar(YamlMappingNode root, string key, List<ValidationError> errors)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            errors.Add(new ValidationError(key, "is required"));
            return null;
        }
        if (node is YamlScalarNode { Value: { Length: > 0 } text })
            return text;
        errors.Add(new ValidationError(key, "must be a non-empty string"));
        return null;
    }
}
