using static TorchSharp.torch;

namespace Neuro.Models.Layers;

/// <summary>Slicing helpers of weight entanglement: a subnet uses the leading block of every weight.</summary>
internal static class Entangled
{
    /// <summary>The view of the first <paramref name="rows"/> entries of a vector (no copy when it is whole).</summary>
    public static Tensor Corner(Tensor tensor, long rows) =>
        rows == tensor.shape[0] ? tensor : tensor.narrow(0, 0, rows);

    /// <summary>The view of the first <paramref name="rows"/> × <paramref name="columns"/> block of a matrix or kernel.</summary>
    public static Tensor Corner(Tensor tensor, long rows, long columns) =>
        Corner(tensor, rows) is var top && columns == tensor.shape[1] ? top : top.narrow(1, 0, columns);
}
