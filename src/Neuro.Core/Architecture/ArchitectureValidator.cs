using Neuro.Core.Errors;

namespace Neuro.Core.Architecture;

/// <summary>Checks that a config describes a buildable Spikformer; each error names its field by JSON path.</summary>
public static class ArchitectureValidator
{
    public static IReadOnlyList<ValidationError> Validate(ArchitectureConfig config)
    {
        var errors = new List<ValidationError>();
        void Require(bool condition, string field, string message)
        {
            if (!condition)
                errors.Add(new ValidationError(field, message));
        }

        Require(!string.IsNullOrWhiteSpace(config.Name), "name", "must not be empty");
        ValidateInput(config.Input, Require);
        Require(config.TimeSteps >= 1, "timeSteps", $"must be at least 1, got {config.TimeSteps}");
        Require(config.EmbedDim >= 8 && config.EmbedDim % 8 == 0, "embedDim",
            $"must be a positive multiple of 8 (SPS stages are C/8, C/4, C/2, C wide), got {config.EmbedDim}");
        Require(config.Classes >= 2, "classes", $"must be at least 2, got {config.Classes}");
        Require(config.Blocks.Count >= 1, "blocks", "needs at least one block");
        for (int i = 0; i < config.Blocks.Count; i++)
        {
            var block = config.Blocks[i];
            string field = $"blocks[{i}]";
            Require(block.Heads >= 1 && config.EmbedDim % Math.Max(block.Heads, 1) == 0, $"{field}.heads",
                $"{block.Heads} heads do not divide embedDim {config.EmbedDim}");
            Require(block.MlpRatio > 0 && block.MlpHidden(config.EmbedDim) >= 1, $"{field}.mlpRatio",
                $"must give an MLP at least 1 wide, got {block.MlpRatio}");
            ValidateLif(block.Lif, $"{field}.lif", Require);
        }

        Require(config.Sps.MaxPoolAfter.Count == SpsConfig.Stages, "sps.maxPoolAfter",
            $"needs one flag per SPS stage ({SpsConfig.Stages}), got {config.Sps.MaxPoolAfter.Count}");
        ValidateLif(config.Sps.Lif, "sps.lif", Require);
        if (config.Input.Downsample >= 1 && config.Input.Height >= 1 && config.Input.Width >= 1)
        {
            int pools = config.Sps.MaxPoolAfter.Count(flag => flag);
            Require(config.Input.ModelHeight >> pools >= 1 && config.Input.ModelWidth >> pools >= 1, "sps.maxPoolAfter",
                $"{pools} max-pools shrink a {config.Input.ModelHeight}x{config.Input.ModelWidth} input below one token");
        }

        Require(config.AttentionScale > 0 && IsPowerOfTwo(config.AttentionScale), "attentionScale",
            $"must be a power of two so integer hardware can shift, got {config.AttentionScale}");
        Require(config.AttentionThreshold > 0, "attentionThreshold", $"must be positive, got {config.AttentionThreshold}");
        return errors;
    }

    /// <summary>Throws <see cref="ConfigValidationException"/> naming every field at fault.</summary>
    public static ArchitectureConfig EnsureValid(ArchitectureConfig config, string source = "architecture config")
    {
        var errors = Validate(config);
        if (errors.Count > 0)
            throw new ConfigValidationException(source, errors);
        return config;
    }

    private static void ValidateInput(InputSpec input, Action<bool, string, string> require)
    {
        require(input.Channels >= 1, "input.channels", $"must be at least 1, got {input.Channels}");
        require(input.Height >= 1, "input.height", $"must be at least 1, got {input.Height}");
        require(input.Width >= 1, "input.width", $"must be at least 1, got {input.Width}");
        require(input.Downsample >= 1, "input.downsample", $"must be at least 1, got {input.Downsample}");
        if (input.Downsample >= 1)
            require(input.Height % input.Downsample == 0 && input.Width % input.Downsample == 0, "input.downsample",
                $"{input.Downsample} does not divide the {input.Height}x{input.Width} input");
        require(Enum.IsDefined(input.Encoding), "input.encoding", $"unknown encoding {(int)input.Encoding}");
    }

    private static void ValidateLif(LifParameters lif, string field, Action<bool, string, string> require)
    {
        require(lif.Threshold > 0, $"{field}.threshold", $"must be positive, got {lif.Threshold}");
        require(lif.Tau >= 1, $"{field}.tau", $"must be at least 1 (leak 1/τ ≤ 1), got {lif.Tau}");
    }

    private static bool IsPowerOfTwo(double value)
    {
        double exponent = Math.Log2(value);
        return Math.Abs(exponent - Math.Round(exponent)) < 1e-12;
    }
}
