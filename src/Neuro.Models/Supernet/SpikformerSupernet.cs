using Neuro.Core.SearchSpaces;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models.Layers;
using Neuro.Models.Spikformer;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Supernet;

/// <summary>
/// An Auto-Spikformer supernet with AutoFormer's weight entanglement: one <see cref="SpikformerModel"/> built at the
/// space's largest config, of which every subnet uses the first L blocks, the first k channels of every conv, linear
/// and BN, and its own heads (a regrouping of those channels), thresholds, τ and T.
/// </summary>
public sealed class SpikformerSupernet : IDisposable
{
    private SpikformerSupernet(SearchSpace space, SpikformerModel model)
    {
        Space = space;
        Model = model;
    }

    /// <summary>A freshly initialised supernet for <paramref name="space"/> on the CPU.</summary>
    public static SpikformerSupernet Create(SearchSpace space) => new(space, SpikformerModel.Create(space.Largest));

    /// <summary>Wraps an existing model (e.g. loaded from a checkpoint) that was built at <paramref name="space"/>'s largest config.</summary>
    /// <exception cref="NeuroException">The model's config is not the space's largest.</exception>
    public static SpikformerSupernet Wrap(SearchSpace space, SpikformerModel model) =>
        model.Config == space.Largest
            ? new SpikformerSupernet(space, model)
            : throw new NeuroException($"model '{model.Config.Name}' is not the largest config of the search space");

    public SearchSpace Space { get; }

    /// <summary>The shared weights; its forward computes the subnet last passed to <see cref="Activate"/>.</summary>
    public SpikformerModel Model { get; }

    /// <summary>Makes <see cref="Model"/> compute <paramref name="subnet"/> (which must come from <see cref="Space"/>).</summary>
    public void Activate(ArchitectureConfig subnet) => Model.Activate(subnet);

    /// <summary>
    /// A standalone Spikformer for <paramref name="subnet"/> whose weights and BN statistics are copies of the
    /// supernet's leading slices, so its outputs equal the supernet's with that subnet active. The copy lives on the
    /// supernet's device.
    /// </summary>
    public SpikformerModel ExtractSubnet(ArchitectureConfig subnet)
    {
        Model.Activate(subnet);
        var standalone = SpikformerModel.Create(subnet);
        var source = Model.named_modules().ToDictionary(pair => pair.name, pair => pair.module);
        using (no_grad())
        {
            foreach (var (name, module) in standalone.named_modules())
            {
                if (module is ElasticLinear or ElasticConv2d or ElasticBatchNorm)
                    CopyLeading(source[name], module);
            }
        }
        var device = Model.parameters().First().device;
        return device.type == DeviceType.CPU ? standalone : standalone.to(device);
    }

    /// <summary>
    /// Re-estimates the BN running statistics of the active subnet: they are reset, then averaged cumulatively (equal
    /// weight per batch) over <paramref name="batches"/> in training mode without gradients. Shared statistics
    /// accumulated while training other subnets do not describe this subnet's activations, so evaluating inherited
    /// weights without this step understates their accuracy.
    /// </summary>
    public void RecalibrateBatchNorm(IEnumerable<Tensor> batches)
    {
        var norms = Model.modules().OfType<ElasticBatchNorm>().ToArray();
        foreach (var norm in norms)
            norm.ResetRunningStatistics();
        bool wasTraining = Model.training;
        Model.train();
        int seen = 0;
        using (no_grad())
        {
            foreach (var frames in batches)
            {
                seen++;
                foreach (var norm in norms)
                    norm.Momentum = 1.0 / seen;
                using var scope = NewDisposeScope();
                Model.forward(frames);
            }
        }
        foreach (var norm in norms)
            norm.Momentum = 0.1;
        Model.train(wasTraining);
    }

    public void Dispose() => Model.Dispose();

    /// <summary>Copies the leading block of each parameter and buffer of <paramref name="from"/> into the same-named, smaller one of <paramref name="to"/>.</summary>
    private static void CopyLeading(nn.Module from, nn.Module to)
    {
        var tensors = from.named_parameters().Select(pair => (pair.name, (Tensor)pair.parameter))
            .Concat(from.named_buffers().Select(pair => (pair.name, pair.buffer)))
            .ToDictionary(pair => pair.name, pair => pair.Item2);
        foreach (var (name, target) in to.named_parameters().Select(pair => (pair.name, (Tensor)pair.parameter))
                     .Concat(to.named_buffers().Select(pair => (pair.name, pair.buffer))))
        {
            var slice = tensors[name];
            for (int axis = 0; axis < target.dim(); axis++)
                slice = slice.narrow(axis, 0, target.shape[axis]);
            target.copy_(slice);
        }
    }
}
