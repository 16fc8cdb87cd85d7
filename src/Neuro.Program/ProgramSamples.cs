using Neuro.Core.Errors;

namespace Neuro.Program;

/// <summary>Turns the float frames the model trains on into the u8 samples a program runs on.</summary>
public static class ProgramSamples
{
    /// <summary>
    /// Binary frames are 0/1 already; count frames are integers, clamped at 255 (the input's u8 range). Returns how
    /// many values were clamped, so callers can report it: a clamped count is the one place float and integer
    /// inputs differ.
    /// </summary>
    /// <exception cref="NeuroException">A value is negative, not an integer, or not 0/1 for binary input.</exception>
    public static int Encode(ReadOnlySpan<float> frames, InputSpec input, Span<byte> destination)
    {
        int expected = input.TimeSteps * input.FrameLength;
        if (frames.Length != expected || destination.Length != expected)
            throw new NeuroException($"a sample has {frames.Length} values; the program's input [{input.TimeSteps}, {input.Channels}, {input.Height}, {input.Width}] needs {expected}");
        int clamped = 0;
        for (int i = 0; i < frames.Length; i++)
        {
            float value = frames[i];
            if (!(value >= 0) || value != MathF.Floor(value) || (input.Encoding == FrameEncoding.Binary && value > 1))
                throw new NeuroException($"frame value {value} at element {i} is not a valid {input.Encoding} input");
            if (value > byte.MaxValue)
            {
                clamped++;
                value = byte.MaxValue;
            }
            destination[i] = (byte)value;
        }
        return clamped;
    }
}
