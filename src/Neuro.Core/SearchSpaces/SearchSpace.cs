using System.Text.Json.Serialization;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;

namespace Neuro.Core.SearchSpaces;

/// <summary>
/// The choices of an Auto-Spikformer-style search space. Weight choices (embed dim, depth, MLP ratio, heads) pick the
/// leading part of a supernet's weights; SNN choices (threshold, τ, time steps) have no weights and, in supernet
/// training, are sampled per step (the "alternate choice" method). Everything else (input, classes, SPS pools,
/// attention order, scale and threshold, biases, the SPS neuron) comes from <see cref="Template"/>. Spaces are data:
/// <see cref="SearchSpaceFile"/> reads them from JSON or YAML and <see cref="SearchSpaceCatalog"/> names the shipped ones.
/// </summary>
/// <param name="Template">The fixed parts of every subnet; its own sizes are ignored.</param>
/// <param name="EmbedDims">Embedding dims C (multiples of 8, divisible by every head choice).</param>
/// <param name="Depths">Numbers of blocks.</param>
/// <param name="MlpRatios">MLP hidden width as a multiple of C, per block.</param>
/// <param name="Heads">Attention heads, per block.</param>
/// <param name="Thresholds">LIF thresholds V_th, per block (the attention LIF keeps the template's).</param>
/// <param name="Taus">LIF time constants τ, per block.</param>
/// <param name="TimeSteps">Time steps T (the data are framed once per choice).</param>
public sealed record SearchSpace(
    ArchitectureConfig Template,
    IReadOnlyList<int> EmbedDims,
    IReadOnlyList<int> Depths,
    IReadOnlyList<double> MlpRatios,
    IReadOnlyList<int> Heads,
    IReadOnlyList<double> Thresholds,
    IReadOnlyList<double> Taus,
    IReadOnlyList<int> TimeSteps)
{
    /// <summary>Name of the space (the catalog name, or the file's <c>name</c>).</summary>
    public string Name { get; init; } = "custom";

    /// <summary>
    /// Input downsample factors d (the sensor is pooled by d before the first conv). Null means the template's only;
    /// a supernet needs a single one, since its first conv sees one input size.
    /// </summary>
    public IReadOnlyList<int>? Downsamples { get; init; }

    /// <summary>The downsample choices: <see cref="Downsamples"/> or the template's.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> DownsampleChoices => Downsamples ?? [Template.Input.Downsample];

    /// <summary>The space supernet training uses by default (<c>dvsgesture-mcu-supernet</c>, shipped in the repo).</summary>
    public static SearchSpace MicrocontrollerDefault => SearchSpaceCatalog.Get(SearchSpaceCatalog.SupernetName);

    /// <summary>The config a supernet's weights are built for: the largest weight choices, default neurons, the largest T.</summary>
    [JsonIgnore]
    public ArchitectureConfig Largest =>
        Subnet("largest", EmbedDims.Max(), TimeSteps.Max(),
            Enumerable.Repeat(new BlockConfig(MlpRatios.Max(), Heads.Max(), LifParameters.Default), Depths.Max()).ToArray());

    /// <summary>The smallest weight choices and the smallest T (the lower end of sandwich training).</summary>
    [JsonIgnore]
    public ArchitectureConfig Smallest =>
        Subnet("smallest", EmbedDims.Min(), TimeSteps.Min(),
            Enumerable.Repeat(new BlockConfig(MlpRatios.Min(), Heads.Min(), LifParameters.Default), Depths.Min()).ToArray());

    /// <summary>
    /// A subnet drawn uniformly: each choice independently, per block for MLP ratio, heads, threshold and τ. The
    /// downsample is drawn only when the space has more than one, so spaces without that choice draw as before.
    /// </summary>
    public ArchitectureConfig Sample(Random random)
    {
        T Pick<T>(IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
        int embed = Pick(EmbedDims), depth = Pick(Depths), steps = Pick(TimeSteps);
        var blocks = new BlockConfig[depth];
        for (int index = 0; index < depth; index++)
            blocks[index] = new BlockConfig(Pick(MlpRatios), Pick(Heads), new LifParameters(Pick(Thresholds), Pick(Taus)));
        int downsample = DownsampleChoices.Count > 1 ? Pick(DownsampleChoices) : DownsampleChoices[0];
        return Subnet("sampled", embed, steps, blocks, downsample);
    }

    /// <summary>A subnet of this space with a readable name (e.g. <c>e32-d1-T6</c>); a null downsample keeps the template's.</summary>
    /// <exception cref="NeuroException">A choice lies outside the space or the result is not a valid config.</exception>
    public ArchitectureConfig Subnet(string name, int embedDim, int timeSteps, IReadOnlyList<BlockConfig> blocks, int? downsample = null)
    {
        int d = downsample ?? Template.Input.Downsample;
        Require(EmbedDims.Contains(embedDim), $"embed dim {embedDim}", EmbedDims);
        Require(TimeSteps.Contains(timeSteps), $"T {timeSteps}", TimeSteps);
        Require(Depths.Contains(blocks.Count), $"depth {blocks.Count}", Depths);
        Require(DownsampleChoices.Contains(d), $"downsample {d}", DownsampleChoices);
        foreach (var block in blocks)
        {
            Require(MlpRatios.Contains(block.MlpRatio), $"MLP ratio {block.MlpRatio}", MlpRatios);
            Require(Heads.Contains(block.Heads), $"heads {block.Heads}", Heads);
        }
        var config = Template with
        {
            Name = $"{name}-e{embedDim}-d{blocks.Count}-T{timeSteps}",
            Input = Template.Input with { Downsample = d },
            EmbedDim = embedDim,
            TimeSteps = timeSteps,
            Blocks = blocks.ToArray(),
        };
        return ArchitectureValidator.EnsureValid(config, $"subnet {config.Name}");
    }

    /// <summary>Every problem of the space, each naming its field (<c>choices.heads</c>, <c>template</c>, …).</summary>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        void Require(bool condition, string field, string message)
        {
            if (!condition)
                errors.Add(new ValidationError(field, message));
        }
        void NonEmpty<T>(IReadOnlyList<T> values, string field)
        {
            Require(values.Count > 0, field, "needs at least one choice");
            Require(values.Distinct().Count() == values.Count, field, $"repeats a choice ({string.Join(", ", values)})");
        }

        NonEmpty(EmbedDims, "choices.embedDim");
        NonEmpty(Depths, "choices.depth");
        NonEmpty(MlpRatios, "choices.mlpRatio");
        NonEmpty(Heads, "choices.heads");
        NonEmpty(Thresholds, "choices.threshold");
        NonEmpty(Taus, "choices.tau");
        NonEmpty(TimeSteps, "choices.timeSteps");
        NonEmpty(DownsampleChoices, "choices.downsample");
        foreach (int embed in EmbedDims)
            Require(embed >= 8 && embed % 8 == 0, "choices.embedDim", $"{embed} is not a positive multiple of 8 (SPS stages are C/8 … C wide)");
        foreach (int heads in Heads)
        {
            Require(heads >= 1, "choices.heads", $"{heads} is not a positive head count");
            foreach (int embed in EmbedDims.Where(embed => heads >= 1 && embed % heads != 0))
                Require(false, "choices.heads", $"{heads} heads do not divide embed dim {embed}");
        }
        foreach (int depth in Depths)
            Require(depth >= 1, "choices.depth", $"{depth} is not a positive depth");
        foreach (double ratio in MlpRatios)
            Require(ratio > 0 && EmbedDims.All(embed => (int)(embed * ratio) >= 1), "choices.mlpRatio", $"{ratio} gives an MLP narrower than 1");
        foreach (double threshold in Thresholds)
            Require(threshold > 0 && double.IsFinite(threshold), "choices.threshold", $"{threshold} is not a positive threshold");
        foreach (double tau in Taus)
            Require(tau >= 1 && double.IsFinite(tau), "choices.tau", $"{tau} is below 1 (the leak 1/τ must be at most 1)");
        foreach (int steps in TimeSteps)
            Require(steps >= 1, "choices.timeSteps", $"{steps} is not a positive number of steps");
        foreach (int d in DownsampleChoices)
        {
            Require(d >= 1 && Template.Input.Height % d == 0 && Template.Input.Width % d == 0, "choices.downsample",
                $"{d} does not divide the {Template.Input.Height}x{Template.Input.Width} sensor");
        }
        foreach (var error in ArchitectureValidator.Validate(Template))
            errors.Add(error with { Field = $"template.{error.Field}" });
        if (errors.Count == 0)
        {
            int pools = Template.Sps.MaxPoolAfter.Count(flag => flag);
            foreach (int d in DownsampleChoices)
                Require((Template.Input.Height / d) >> pools >= 1, "choices.downsample",
                    $"{d} leaves no token after the template's {pools} max-pools");
        }
        return errors;
    }

    /// <summary>Throws <see cref="ConfigValidationException"/> listing every field at fault.</summary>
    public SearchSpace EnsureValid(string source)
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ConfigValidationException(source, errors);
        return this;
    }

    public bool Equals(SearchSpace? other) =>
        other is not null && Name == other.Name && Template == other.Template
        && EmbedDims.SequenceEqual(other.EmbedDims) && Depths.SequenceEqual(other.Depths)
        && MlpRatios.SequenceEqual(other.MlpRatios) && Heads.SequenceEqual(other.Heads)
        && Thresholds.SequenceEqual(other.Thresholds) && Taus.SequenceEqual(other.Taus)
        && TimeSteps.SequenceEqual(other.TimeSteps) && DownsampleChoices.SequenceEqual(other.DownsampleChoices);

    public override int GetHashCode() => HashCode.Combine(Name, Template, EmbedDims.Count, Depths.Count, TimeSteps.Count);

    private static void Require<T>(bool condition, string what, IReadOnlyList<T> choices)
    {
        if (!condition)
            throw new NeuroException($"{what} is not a choice of the search space ({string.Join(", ", choices)})");
    }
}
