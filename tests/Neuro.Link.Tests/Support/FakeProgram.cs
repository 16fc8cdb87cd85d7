using System.Buffers.Binary;
using Neuro.Program;

namespace Neuro.Link.Tests.Support;

/// <summary>
/// Programs for board_host's fake executor ("NSPF" header, then filler) and the result the fake computes,
/// written again here from test/board_host.c so the tests know the exact answer for any frames.
/// </summary>
public static class FakeProgram
{
    public static readonly InputSpec Input = new(2, 32, 32, 8, FrameEncoding.Counts, SplitMode.Time, 4, 128, 128);

    public static byte[] Create(int size, int seed, InputSpec? input = null, int classes = 11)
    {
        input ??= Input;
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        "NSPF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)input.FrameLength);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)input.TimeSteps);
        bytes[10] = input.Encoding == FrameEncoding.Binary ? (byte)1 : (byte)0;
        bytes[11] = (byte)classes;
        return bytes;
    }

    private static uint Fnv(uint h, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            h = (h ^ b) * 16777619u;
        }
        return h;
    }

    public static SampleResult Expected(uint sampleId, byte[] program, IReadOnlyList<byte[]> frames, int classes = 11)
    {
        var logits = new int[classes];
        uint fnv = 2166136261u, nonZero = 0;
        long events = 0;
        foreach (var frame in frames)
        {
            fnv = Fnv(fnv, frame);
            for (int i = 0; i < frame.Length; i++)
            {
                logits[4 + i % (classes - 4)] += frame[i];
                events += frame[i];
                nonZero += frame[i] != 0 ? 1u : 0u;
            }
        }
        logits[0] = frames.Count;
        logits[1] = (int)events;
        logits[2] = (int)fnv;
        logits[3] = (int)Fnv(2166136261u, program);
        short predicted = 4;
        for (short i = 5; i < classes; i++)
        {
            if (logits[i] > logits[predicted])
            {
                predicted = i;
            }
        }
        return new SampleResult(sampleId, predicted, (ulong)(100 * frames.Count + 3 * events), logits, [nonZero, (uint)frames.Count]);
    }

    /// <summary>DVS-like frames: a moving blob of events over a sparse background, counts up to a few per cell.</summary>
    public static byte[][] Frames(InputSpec input, int seed, double density = 0.03)
    {
        var random = new Random(seed);
        var frames = new byte[input.TimeSteps][];
        for (int t = 0; t < input.TimeSteps; t++)
        {
            var frame = frames[t] = new byte[input.FrameLength];
            int cx = (int)(input.Width * (0.2 + 0.6 * t / Math.Max(1, input.TimeSteps - 1)));
            int cy = input.Height / 2;
            for (int c = 0; c < input.Channels; c++)
            {
                for (int y = 0; y < input.Height; y++)
                {
                    for (int x = 0; x < input.Width; x++)
                    {
                        double near = Math.Exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2.0 * input.Width));
                        double p = density * 0.2 + near * density * 8;
                        if (random.NextDouble() < p)
                        {
                            int v = 1 + (input.Encoding == FrameEncoding.Binary ? 0 : random.Next(3));
                            frame[(c * input.Height + y) * input.Width + x] = (byte)v;
                        }
                    }
                }
            }
        }
        return frames;
    }
}
