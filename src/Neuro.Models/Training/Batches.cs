using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Training;

/// <summary>Seeded shuffling and batch assembly. Orders depend only on (seed, epoch), so a resumed run repeats them.</summary>
public static class Batches
{
    /// <summary>A permutation of <c>0 … count−1</c> for one epoch (Fisher–Yates with a <see cref="Random"/> seeded by seed and epoch).</summary>
    public static int[] Shuffle(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(DeriveSeed(seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>Splits <paramref name="order"/> into consecutive batches of at most <paramref name="batchSize"/> indices.</summary>
    public static IReadOnlyList<int[]> Split(int[] order, int batchSize) => order.Chunk(batchSize).ToArray();

    /// <summary>A seed for one (seed, a, b) triple that is stable across processes (unlike <see cref="HashCode"/>).</summary>
    public static int DeriveSeed(int seed, int a, int b = 0) => unchecked((seed * 1_000_003) ^ (a * 7_919) ^ (b * 104_729));

    /// <summary>Frames <c>[T, B, C, H, W]</c> (time first, as the model expects) and labels <c>[B]</c> of the given samples on <paramref name="device"/>.</summary>
    public static (Tensor Frames, Tensor Labels) Load(IFramedSamples samples, IReadOnlyList<int> indices, Device device)
    {
        var shape = samples.Shape;
        var buffer = new float[(long)indices.Count * shape.Elements];
        var labels = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            samples.CopyFrames(indices[i], buffer.AsSpan(i * shape.Elements, shape.Elements));
            labels[i] = samples.Label(indices[i]);
        }
        var frames = tensor(buffer, [indices.Count, shape.TimeSteps, shape.Channels, shape.Height, shape.Width])
            .transpose(0, 1).contiguous();
        return (frames.to(device), tensor(labels).to(device));
    }
}
