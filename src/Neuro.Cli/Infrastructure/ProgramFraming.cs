using Neuro.Core.Errors;
using Neuro.Data.Framing;
using Neuro.Program;

namespace Neuro.Cli.Infrastructure;

/// <summary>
/// Frames DVS data exactly as a spike program expects it: its <see cref="InputSpec"/> (T, split, downsample, sensor
/// size, counts or binary) becomes Neuro.Data's <see cref="FramingOptions"/>, and float frames become the program's u8
/// sample bytes. Shared by <c>neuro sim</c> and the link's streaming.
/// </summary>
public static class ProgramFraming
{
    /// <summary>The framing that produces samples for <paramref name="input"/>.</summary>
    /// <exception cref="NeuroException">The program's input is not a DVS frame (2 polarity channels).</exception>
    public static FramingOptions For(InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Channels != FrameTensor.Channels)
            throw new NeuroException($"program input has {input.Channels} channels; DVS frames have {FrameTensor.Channels} polarities");
        return new FramingOptions(input.TimeSteps, input.Split == SplitMode.Time ? FrameSplit.Time : FrameSplit.Number, input.Downsample,
            input.Encoding == FrameEncoding.Binary ? FrameValue.Binary : FrameValue.Counts, input.SensorWidth, input.SensorHeight);
    }

    /// <summary>
    /// The u8 [T, C, H, W] sample of <paramref name="frames"/> (<see cref="ProgramSamples.Encode"/>: counts saturate at 255,
    /// binary frames are already 0/1).
    /// </summary>
    /// <exception cref="NeuroException">The frames' shape or values do not suit the program's input.</exception>
    public static byte[] ToSample(FrameTensor frames, InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(input);
        if (frames.Bins != input.TimeSteps || frames.Height != input.Height || frames.Width != input.Width)
            throw new NeuroException(
                $"frames are {frames.Bins}×{FrameTensor.Channels}×{frames.Height}×{frames.Width}; the program expects {input.TimeSteps}×{input.Channels}×{input.Height}×{input.Width}");
        var sample = new byte[frames.Data.Length];
        ProgramSamples.Encode(frames.Data, input, sample);
        return sample;
    }
}
