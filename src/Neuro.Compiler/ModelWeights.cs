using Neuro.Core.Errors;
using Neuro.Models.Layers;
using Neuro.Models.Spikformer;
using static TorchSharp.torch;

namespace Neuro.Compiler;

/// <summary>
/// The float weights of a model, read once from its state dict (CPU copies) and cut to the active config: a layer
/// of a supernet uses the leading rows and columns of its tensors (weight entanglement), so that is what is read.
/// </summary>
internal sealed class ModelWeights
{
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _tensors = new(StringComparer.Ordinal);

    private ModelWeights(SpikformerModel model)
    {
        foreach (var (name, tensor) in model.state_dict())
        {
            using var cpu = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
            _tensors[name] = (cpu.data<float>().ToArray(), cpu.shape);
        }
    }

    public static ModelWeights Read(SpikformerModel model) => new(model);

    /// <summary>A bias-free 3×3 conv cut to [out, in, 3, 3], flattened to fan-in in·9.</summary>
    public FloatLayer Conv(string name, int outChannels, int inChannels)
    {
        var (data, shape) = Get($"{name}.weight", rank: 4);
        int kernel = (int)(shape[2] * shape[3]);
        var weights = new float[outChannels * inChannels * kernel];
        for (int o = 0; o < outChannels; o++)
            Array.Copy(data, o * shape[1] * kernel, weights, o * inChannels * kernel, inChannels * kernel);
        return new FloatLayer(name, outChannels, inChannels * kernel, weights, new float[outChannels]);
    }

    /// <summary>A linear map cut to [out, in]; a missing bias is zero.</summary>
    public FloatLayer Linear(string name, int outFeatures, int inFeatures, bool hasBias)
    {
        var (data, shape) = Get($"{name}.weight", rank: 2);
        var weights = new float[outFeatures * inFeatures];
        for (int o = 0; o < outFeatures; o++)
            Array.Copy(data, o * shape[1], weights, o * inFeatures, inFeatures);
        var bias = hasBias ? Get($"{name}.bias", rank: 1).Data[..outFeatures] : new float[outFeatures];
        return new FloatLayer(name, outFeatures, inFeatures, weights, bias);
    }

    /// <summary>A BatchNorm's first <paramref name="features"/> channels.</summary>
    public BatchNormParameters Norm(string name, int features) => new(
        Get($"{name}.weight", 1).Data[..features], Get($"{name}.bias", 1).Data[..features],
        Get($"{name}.running_mean", 1).Data[..features], Get($"{name}.running_var", 1).Data[..features], ElasticBatchNorm.Epsilon);

    private (float[] Data, long[] Shape) Get(string key, int rank)
    {
        if (!_tensors.TryGetValue(key, out var tensor))
            throw new NeuroException($"the model has no tensor '{key}' (is it a Spikformer built from this config?)");
        if (tensor.Shape.Length != rank)
            throw new NeuroException($"tensor '{key}' has rank {tensor.Shape.Length}, expected {rank}");
        return tensor;
    }
}
