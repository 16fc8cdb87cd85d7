using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>
/// A module without submodules that registers its parameters and buffers by name in its constructor. It skips
/// TorchSharp's discovery by reflection over its fields: there is nothing to discover, and reflecting over the fields of
/// every leaf a parent registers cost more than building the leaf (measured in the training-free evaluation, docs/search.md).
/// </summary>
public abstract class LeafModule : nn.Module<Tensor, Tensor>
{
    protected LeafModule(string name) : base(name)
    {
    }

    protected override void RegisterComponents()
    {
    }
}
