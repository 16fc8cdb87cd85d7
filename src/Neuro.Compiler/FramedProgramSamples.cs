using Neuro.Models.Training;
using Neuro.Program;

namespace Neuro.Compiler;

/// <summary>The bridge from the float frames a model trains on to the u8 samples its compiled program takes.</summary>
public static class FramedProgramSamples
{
    /// <summary>Sample <paramref name="index"/> of <paramref name="samples"/> as <paramref name="input"/>'s u8 [T, C, H, W] bytes (<see cref="ProgramSamples.Encode"/>).</summary>
    public static byte[] Encode(IFramedSamples samples, int index, InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(input);
        var frames = new float[samples.Shape.Elements];
        samples.CopyFrames(index, frames);
        var bytes = new byte[frames.Length];
        ProgramSamples.Encode(frames, input, bytes);
        return bytes;
    }
}
