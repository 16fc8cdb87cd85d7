using Neuro.Link.Framing;

namespace Neuro.Link.Tests;

public class CodecPropertyTests
{
    private static readonly MessageType[] Types = Enum.GetValues<MessageType>();

    private static Frame RandomFrame(Random random)
    {
        // Payload sizes hit the COBS block boundaries (254, 508) and the maximum.
        int[] sizes = [0, 1, 253, 254, 255, 508, Frame.MaxPayload];
        int size = random.Next(3) == 0 ? sizes[random.Next(sizes.Length)] : random.Next(Frame.MaxPayload + 1);
        var payload = new byte[size];
        random.NextBytes(payload);
        if (random.Next(4) == 0)
        {
            Array.Clear(payload); // all zeros: the worst case for COBS
        }
        return new Frame(Types[random.Next(Types.Length)], (ushort)random.Next(65536), (byte)random.Next(256), payload);
    }

    [Fact]
    public void Random_frames_round_trip_through_cobs_and_crc()
    {
        var random = new Random(1);
        for (int i = 0; i < 3000; i++)
        {
            var frame = RandomFrame(random);
            var wire = frame.Encode();
            Assert.Equal(0, wire[^1]);
            Assert.DoesNotContain((byte)0, wire[..^1]);
            Assert.True(wire.Length <= Frame.MaxWire);
            Assert.Equal(FrameDecodeResult.Ok, Frame.TryDecode(wire.AsSpan(0, wire.Length - 1), out var back));
            Assert.Equal(frame.Type, back!.Type);
            Assert.Equal(frame.Sequence, back.Sequence);
            Assert.Equal(frame.Credits, back.Credits);
            Assert.Equal(frame.Payload, back.Payload);
        }
    }

    [Fact]
    public void Any_frame_with_flipped_bits_is_rejected()
    {
        var random = new Random(2);
        for (int i = 0; i < 5000; i++)
        {
            var wire = RandomFrame(random).Encode();
            var damaged = (byte[])wire.Clone();
            int flips = 1 + random.Next(3);
            for (int k = 0; k < flips; k++)
            {
                damaged[random.Next(damaged.Length - 1)] ^= (byte)(1 << random.Next(8));
            }
            if (damaged.AsSpan().SequenceEqual(wire))
            {
                continue; // two flips of the same bit cancel out
            }
            var reader = new FrameReader();
            var frames = new List<Frame>();
            reader.Feed(damaged, frames.Add);
            Assert.Empty(frames);
            Assert.True(reader.CrcErrors + reader.FrameErrors >= 1);
        }
    }

    [Fact]
    public void Truncated_and_overlong_blocks_are_rejected_and_the_reader_resynchronises()
    {
        var good = new Frame(MessageType.Ack, 7, 4, [1, 2, 3]).Encode();
        var reader = new FrameReader();
        var frames = new List<Frame>();
        reader.Feed(good.AsSpan(0, good.Length / 2), frames.Add);
        reader.Feed([0], frames.Add);
        reader.Feed(Enumerable.Repeat((byte)0x55, Frame.MaxWire + 10).Append((byte)0).ToArray(), frames.Add);
        reader.Feed(good, frames.Add);
        Assert.Single(frames);
        Assert.Equal(7, frames[0].Sequence);
        Assert.Equal(2, reader.CrcErrors + reader.FrameErrors);
    }

    [Fact]
    public void A_payload_over_the_maximum_is_refused_when_encoding()
    {
        var e = Assert.Throws<LinkException>(() => new Frame(MessageType.Chunk, 0, 0, new byte[Frame.MaxPayload + 1]).Encode());
        Assert.Contains("1025", e.Message);
    }

    [Fact]
    public void Random_messages_round_trip_through_their_codecs()
    {
        var random = new Random(3);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }
        for (int i = 0; i < 500; i++)
        {
            var info = new BoardInfo(1, 2, (BoardCapabilities)random.Next(32), (ushort)random.Next(65536), (byte)random.Next(256),
                (byte)random.Next(256), (uint)random.NextInt64(uint.MaxValue), (uint)random.NextInt64(uint.MaxValue),
                (uint)random.NextInt64(uint.MaxValue), Bytes(32), (uint)random.Next(), new string('b', random.Next(40)));
            var infoBack = BoardInfo.Decode(info.Encode());
            Assert.Equal(info with { ProgramHash = infoBack.ProgramHash }, infoBack);
            Assert.Equal(info.ProgramHash, infoBack.ProgramHash);

            var begin = new BeginRequest(random.Next(2) == 1, (uint)random.Next(), (uint)random.Next(), Bytes(32), Bytes(32));
            var beginBack = BeginRequest.Decode(begin.Encode());
            Assert.Equal((begin.Signed, begin.Size, begin.Counter), (beginBack.Signed, beginBack.Size, beginBack.Counter));
            Assert.Equal(begin.Hash, beginBack.Hash);
            Assert.Equal(begin.Tag, beginBack.Tag);

            var chunk = new ChunkRequest((uint)random.Next(), Bytes(random.Next(1020)));
            Assert.Equal(chunk.Data, ChunkRequest.Decode(chunk.Encode()).Data);

            var events = new EventsRequest((ushort)random.Next(65536), (EventEncoding)random.Next(4), random.Next(2) == 1,
                (uint)random.Next(), Bytes(random.Next(1016)));
            var eventsBack = EventsRequest.Decode(events.Encode());
            Assert.Equal((events.Step, events.Encoding, events.EndOfStep, events.Base), (eventsBack.Step, eventsBack.Encoding, eventsBack.EndOfStep, eventsBack.Base));
            Assert.Equal(events.Data, eventsBack.Data);

            var result = new SampleResult((uint)random.Next(), (short)random.Next(-1, 32), (ulong)random.NextInt64(),
                Enumerable.Range(0, random.Next(33)).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray(),
                Enumerable.Range(0, random.Next(65)).Select(_ => (uint)random.NextInt64(uint.MaxValue)).ToArray());
            Assert.True(result.SameAs(SampleResult.Decode(result.Encode())));

            var stats = new BoardStats((uint)random.Next(), 1, 2, 3, 4, 5, 6, 7, 8, 9, (uint)random.Next());
            Assert.Equal(stats, BoardStats.Decode(stats.Encode()));

            var error = new ErrorReply((BoardError)random.Next(1, 18), "expected offset " + random.Next());
            Assert.Equal(error, ErrorReply.Decode(error.Encode()));
            var status = new UploadStatus((uint)random.Next(), (byte)random.Next(2));
            Assert.Equal(status, UploadStatus.Decode(status.Encode()));
        }
    }

    [Fact]
    public void Short_payloads_are_refused_with_the_message_name()
    {
        Assert.Contains("RESULT", Assert.Throws<LinkException>(() => SampleResult.Decode(new byte[10])).Message);
        Assert.Contains("INFO", Assert.Throws<LinkException>(() => BoardInfo.Decode(new byte[56])).Message);
        Assert.Contains("BEGIN", Assert.Throws<LinkException>(() => BeginRequest.Decode(new byte[72])).Message);
    }

    [Fact]
    public void Crc_is_the_ieee_crc32_of_the_header_and_payload()
    {
        // "123456789" is the CRC catalogue's check string; CRC-32/ISO-HDLC of it is 0xCBF43926.
        Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));
        var wire = new Frame(MessageType.Hello, 0x0102, 0, [0xAA]).Encode();
        var plain = new byte[wire.Length];
        Assert.True(Cobs.TryDecode(wire.AsSpan(0, wire.Length - 1), plain, out int n));
        Assert.Equal(new byte[] { 1, 0x01, 0, 0, 0x02, 0x01, 1, 0, 0xAA }, plain[..9]);
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(plain.AsSpan(0, 9)), BitConverter.ToUInt32(plain, 9));
        Assert.Equal(13, n);
    }
}
