using Neuro.Core.Architecture;
using Neuro.Models.Training;

namespace Neuro.Models.Tests;

/// <summary>A learnable toy task: class c lights a band of rows in polarity c % 2, plus sparse noise.</summary>
internal static class SyntheticFrames
{
    public static InMemorySamples For(ArchitectureConfig config, int count, int seed)
    {
        var shape = new FrameShape(config.TimeSteps, config.Input.Channels, config.Input.ModelHeight, config.Input.ModelWidth);
        var random = new Random(seed);
        var frames = new List<float[]>();
        var labels = new List<int>();
        for (int sample = 0; sample < count; sample++)
        {
            int label = sample % config.Classes;
            var values = new float[shape.Elements];
            int bandHeight = shape.Height / config.Classes;
            for (int t = 0; t < shape.TimeSteps; t++)
            for (int y = 0; y < shape.Height; y++)
            for (int x = 0; x < shape.Width; x++)
            {
                int polarity = label % 2;
                bool inBand = y / bandHeight == label && random.NextDouble() < 0.5;
                int offset = ((t * shape.Channels + polarity) * shape.Height + y) * shape.Width + x;
                values[offset] = inBand || random.NextDouble() < 0.05 ? 1 : 0;
            }
            frames.Add(values);
            labels.Add(label);
        }
        return new InMemorySamples(shape, frames, labels);
    }
}
