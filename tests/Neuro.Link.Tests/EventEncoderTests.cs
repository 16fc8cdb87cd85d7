using Neuro.Link.Tests.Support;
using Neuro.Program;

namespace Neuro.Link.Tests;

public class EventEncoderTests
{
    public static TheoryData<int, int, int, FrameEncoding, double> Shapes => new()
    {
        { 2, 128, 128, FrameEncoding.Counts, 0.002 },
        { 2, 128, 128, FrameEncoding.Binary, 0.2 },
        { 2, 32, 32, FrameEncoding.Counts, 0.03 },
        { 2, 32, 32, FrameEncoding.Counts, 0.5 },
        { 2, 64, 64, FrameEncoding.Binary, 0.01 },
        { 1, 16, 16, FrameEncoding.Counts, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Encoded_parts_rebuild_exactly_the_frame_and_fit_a_payload(int c, int h, int w, FrameEncoding encoding, double density)
    {
        var input = new InputSpec(c, h, w, 4, encoding, SplitMode.Time, 1, w, h);
        var encoder = new EventEncoder(input, Framing.Frame.MaxPayload);
        foreach (var (frame, step) in FakeProgram.Frames(input, 5, density).Select((f, i) => (f, i)))
        {
            var parts = encoder.Encode((ushort)step, frame);
            var rebuilt = new byte[frame.Length];
            foreach (var part in parts)
            {
                Assert.True(part.Encode().Length <= Framing.Frame.MaxPayload);
                Assert.Equal(step, part.Step);
                EventEncoder.Apply(part, rebuilt, encoding == FrameEncoding.Binary);
            }
            Assert.Equal(frame, rebuilt);
            Assert.True(parts[^1].EndOfStep);
            Assert.All(parts.SkipLast(1), p => Assert.False(p.EndOfStep));
        }
    }

    [Fact]
    public void The_cheapest_encoding_is_chosen()
    {
        var sparse = new byte[2 * 128 * 128];
        sparse[5] = 1;
        sparse[40000 % sparse.Length] = 1;
        Assert.Equal(EventEncoding.Sparse16, EventEncoder.Choose(sparse));

        var repeated = new byte[2048];
        for (int i = 0; i < 50; i++) repeated[i * 7] = 5; // 250 events in 50 cells: 150 bytes beats 500
        Assert.Equal(EventEncoding.Sparse16Count, EventEncoder.Choose(repeated));

        var halfOn = new byte[2048];
        for (int i = 0; i < halfOn.Length; i += 2) halfOn[i] = 1; // 1024 events: a 256-byte bitmap
        Assert.Equal(EventEncoding.Bitmap, EventEncoder.Choose(halfOn));

        var busy = Enumerable.Range(0, 2048).Select(i => (byte)(1 + i % 3)).ToArray();
        Assert.Equal(EventEncoding.Dense, EventEncoder.Choose(busy));
    }

    [Fact]
    public void A_frame_of_the_wrong_size_is_refused_with_both_shapes()
    {
        var encoder = new EventEncoder(FakeProgram.Input, 1024);
        var e = Assert.Throws<LinkException>(() => encoder.Encode(3, new byte[100]));
        Assert.Contains("step 3", e.Message);
        Assert.Contains("2x32x32", e.Message);
    }
}
