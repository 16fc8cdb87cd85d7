using Neuro.Core.Errors;

namespace Neuro.Core.Architecture;

/// <summary>
/// Named architectures. The <c>spikformer-*</c> presets reproduce the layer shapes of the official Spikformer code
/// (ZK-Zhou/spikformer: cifar10/model.py, cifar10dvs/model.py with 11 classes for DVS128 Gesture, imagenet/model.py);
/// modules the code declares but never calls in forward (LayerNorms, the DVS pos_embed, res_lif) are left out.
/// </summary>
public static class Presets
{
    /// <summary>The preset <c>neuro arch</c> shows when none is named.</summary>
    public const string DefaultName = "spikformer-dvs-2-256";

    /// <summary>The microcontroller-sized default for DVS128 Gesture: 32×32 input, one block of width 64, T = 8.</summary>
    public const string MicrocontrollerName = "dvsgesture-mcu-1-64";

    private static readonly Dictionary<string, Func<ArchitectureConfig>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["spikformer-dvs-2-256"] = () => ArchitectureConfig.Uniform(
            "spikformer-dvs-2-256", new InputSpec(2, 128, 128, 1, InputEncoding.EventCounts), timeSteps: 16, embedDim: 256,
            depth: 2, heads: 16, mlpRatio: 4, classes: 11, maxPoolAfter: [true, true, true, true]) with
        {
            AttentionScale = 0.25,
            Bias = new BiasPlacement(Qkv: false),
        },
        ["spikformer-cifar10-4-384"] = () => Cifar("spikformer-cifar10-4-384", classes: 10),
        ["spikformer-cifar100-4-384"] = () => Cifar("spikformer-cifar100-4-384", classes: 100),
        ["spikformer-imagenet-8-512"] = () => ArchitectureConfig.Uniform(
            "spikformer-imagenet-8-512", new InputSpec(3, 224, 224), timeSteps: 4, embedDim: 512,
            depth: 8, heads: 8, mlpRatio: 4, classes: 1000, maxPoolAfter: [true, true, true, true]) with
        {
            AttentionOrder = AttentionOrder.KVFirst,
            AttentionScale = 0.125,
            Bias = new BiasPlacement(Qkv: false),
        },
        [MicrocontrollerName] = () => ArchitectureConfig.Uniform(
            MicrocontrollerName, new InputSpec(2, 128, 128, 4, InputEncoding.EventBinary), timeSteps: 8, embedDim: 64,
            depth: 1, heads: 4, mlpRatio: 2, classes: 11, maxPoolAfter: [true, true, false, false]) with
        {
            AttentionScale = 0.25,
            Bias = new BiasPlacement(Qkv: false),
        },
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static bool TryGet(string name, out ArchitectureConfig config)
    {
        if (Factories.TryGetValue(name, out var factory))
        {
            config = factory();
            return true;
        }
        config = null!;
        return false;
    }

    /// <exception cref="NeuroException">No preset has that name; the message lists the known ones.</exception>
    public static ArchitectureConfig Get(string name) =>
        TryGet(name, out var config)
            ? config
            : throw new NeuroException($"unknown preset '{name}'; known presets: {string.Join(", ", Names)}");

    private static ArchitectureConfig Cifar(string name, int classes) =>
        ArchitectureConfig.Uniform(
            name, new InputSpec(3, 32, 32), timeSteps: 4, embedDim: 384, depth: 4, heads: 12, mlpRatio: 4,
            classes: classes, maxPoolAfter: [false, false, true, true]) with
        {
            AttentionScale = 0.125,
            Bias = new BiasPlacement(Qkv: true),
        };
}
