using Neuro.Core.SearchSpaces;
using System.Text.Json;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models.Spikformer;
using Neuro.Models.Supernet;
using TorchSharp;
using TorchSharp.Modules;

namespace Neuro.Models.Training;

/// <summary>
/// A training checkpoint: one folder holding <c>config.json</c> (the architecture, <see cref="ArchitectureJson"/>),
/// <c>weights.dat</c> (TorchSharp <c>Module.save</c> format, keys = LayerTable names), <c>training.json</c>
/// (<see cref="TrainingMetadata"/>), <c>optimizer.dat</c> (AdamW state, for resuming) and, for a supernet,
/// <c>space.json</c>. Written to a temporary sibling folder and renamed into place, so a crash or Ctrl+C never leaves
/// a half-written checkpoint.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>File names inside a checkpoint folder.</summary>
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "weights.dat";
    public const string MetadataFile = "training.json";
    public const string OptimizerFile = "optimizer.dat";
    public const string SpaceFile = "space.json";

    private static readonly JsonSerializerOptions JsonOptions = new(ArchitectureJson.Options)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    private static readonly JsonSerializerOptions CompactJson = new(ArchitectureJson.Options) { WriteIndented = false };

    private Checkpoint(string directory, ArchitectureConfig config, TrainingMetadata metadata, SearchSpace? space)
    {
        Directory = directory;
        Config = config;
        Metadata = metadata;
        Space = space;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>The architecture the weights belong to (a supernet's largest config).</summary>
    public ArchitectureConfig Config { get; }

    /// <summary>Where the run stands and what it measured.</summary>
    public TrainingMetadata Metadata { get; }

    /// <summary>The search space of a supernet checkpoint, else null.</summary>
    public SearchSpace? Space { get; }

    /// <summary>Path of the optimizer state, or null when the checkpoint has none.</summary>
    public string? OptimizerStatePath => File.Exists(Path.Combine(Directory, OptimizerFile)) ? Path.Combine(Directory, OptimizerFile) : null;

    /// <summary>Writes a checkpoint of <paramref name="model"/> to <paramref name="directory"/>, replacing any previous one atomically.</summary>
    public static void Save(string directory, SpikformerModel model, TrainingMetadata metadata, OptimizerHelper? optimizer,
        SearchSpace? space = null)
    {
        string full = Path.GetFullPath(directory);
        string temporary = $"{full}.tmp-{Environment.ProcessId}";
        if (System.IO.Directory.Exists(temporary))
            System.IO.Directory.Delete(temporary, recursive: true);
        System.IO.Directory.CreateDirectory(temporary);
        File.WriteAllText(Path.Combine(temporary, ConfigFile), ArchitectureJson.Serialize(model.Config));
        model.save(Path.Combine(temporary, WeightsFile));
        File.WriteAllText(Path.Combine(temporary, MetadataFile), JsonSerializer.Serialize(metadata, JsonOptions));
        optimizer?.save_state_dict(Path.Combine(temporary, OptimizerFile));
        if (space is not null)
            File.WriteAllText(Path.Combine(temporary, SpaceFile), JsonSerializer.Serialize(space, JsonOptions));

        // Two renames: the old checkpoint stays whole until the new one is complete.
        string previous = $"{full}.old-{Environment.ProcessId}";
        bool replacing = System.IO.Directory.Exists(full);
        if (replacing)
            System.IO.Directory.Move(full, previous);
        System.IO.Directory.Move(temporary, full);
        if (replacing)
            System.IO.Directory.Delete(previous, recursive: true);
    }

    /// <summary>Reads a checkpoint's config and metadata (not yet its weights).</summary>
    /// <exception cref="NeuroException">The folder is not a checkpoint or a file in it is unreadable.</exception>
    public static Checkpoint Open(string directory)
    {
        foreach (string file in new[] { ConfigFile, WeightsFile, MetadataFile })
        {
            if (!File.Exists(Path.Combine(directory, file)))
                throw new NeuroException($"{directory} is not a checkpoint: {file} is missing");
        }
        var config = ArchitectureJson.Load(Path.Combine(directory, ConfigFile));
        var metadata = ReadJson<TrainingMetadata>(Path.Combine(directory, MetadataFile));
        string spacePath = Path.Combine(directory, SpaceFile);
        var space = File.Exists(spacePath) ? ReadJson<SearchSpace>(spacePath) : null;
        return new Checkpoint(directory, config, metadata, space);
    }

    /// <summary>A model of the checkpoint's config with its weights, on the CPU.</summary>
    public SpikformerModel LoadModel() => LoadInto(SpikformerModel.Create(Config));

    /// <summary>Loads the weights into <paramref name="model"/>, which must have been built for the same config.</summary>
    /// <exception cref="NeuroException">The model's config differs from the checkpoint's; the message lists the differing fields.</exception>
    public SpikformerModel LoadInto(SpikformerModel model)
    {
        var differences = Differences(Config, model.Config);
        if (differences.Count > 0)
            throw new NeuroException(
                $"checkpoint {Directory} holds weights for config '{Config.Name}', not '{model.Config.Name}': {string.Join("; ", differences)}");
        model.load(Path.Combine(Directory, WeightsFile));
        // A quantization-aware model's forward pass is the fake-quantized one it was trained with.
        model.QuantizationAware = Metadata.Options.QuantizationAware;
        return model;
    }

    /// <summary>The fields in which two configs differ, as "field: stored ≠ requested".</summary>
    public static IReadOnlyList<string> Differences(ArchitectureConfig stored, ArchitectureConfig requested)
    {
        var differences = new List<string>();
        void Compare<T>(string field, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
                differences.Add($"{field}: {JsonSerializer.Serialize(a, CompactJson)} ≠ {JsonSerializer.Serialize(b, CompactJson)}");
        }
        Compare("input", stored.Input, requested.Input);
        Compare("timeSteps", stored.TimeSteps, requested.TimeSteps);
        Compare("embedDim", stored.EmbedDim, requested.EmbedDim);
        Compare("depth", stored.Depth, requested.Depth);
        for (int index = 0; index < Math.Min(stored.Depth, requested.Depth); index++)
            Compare($"blocks[{index}]", stored.Blocks[index], requested.Blocks[index]);
        Compare("classes", stored.Classes, requested.Classes);
        Compare("sps", stored.Sps, requested.Sps);
        Compare("attentionOrder", stored.AttentionOrder, requested.AttentionOrder);
        Compare("attentionScale", stored.AttentionScale, requested.AttentionScale);
        Compare("attentionThreshold", stored.AttentionThreshold, requested.AttentionThreshold);
        Compare("bias", stored.Bias, requested.Bias);
        return differences;
    }

    private static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), JsonOptions)
                   ?? throw new NeuroException($"{path}: expected a JSON object, got null");
        }
        catch (JsonException error)
        {
            throw new NeuroException($"{path}: {error.Message.Split(". ")[0]}");
        }
    }
}
