using Neuro.Data.Events;
using Neuro.Data.Formats;

namespace Neuro.Data.Tests;

public sealed class Aedat31ReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteFile(params byte[][] parts)
    {
        var path = _dir.File("test.aedat");
        File.WriteAllBytes(path, Bytes.Concat(parts));
        return path;
    }

    [Fact]
    public void A_hand_built_polarity_packet_decodes_to_the_events_its_bits_describe()
    {
        // Golden bytes: data word 0x000A001F = x 5 (bits 17+), y 7 (bits 2+), ON (bit 1), valid (bit 0); timestamp 100.
        byte[] first = [0x1F, 0x00, 0x0A, 0x00, 0x64, 0x00, 0x00, 0x00];
        // 0x00FE0001 = x 127, y 0, OFF, valid; timestamp 200.
        byte[] last = [0x01, 0x00, 0xFE, 0x00, 0xC8, 0x00, 0x00, 0x00];
        var path = WriteFile(Bytes.Aedat31Header(), Bytes.PacketHeader(1, 8, 4, 0, 3, 3, 2), first,
            Bytes.PolarityEvent(9, 9, on: true, 150, valid: false), last);

        using var reader = EventFile.Open(path);
        var events = Bytes.ToList(reader.ReadAll());

        Assert.Equal([new DvsEvent(100, 5, 7, true), new DvsEvent(200, 127, 0, false)], events);
        Assert.Equal(EventFileFormat.Aedat31, reader.Info.Format);
        Assert.Equal((128, 128), (reader.Info.Width, reader.Info.Height));
        Assert.Equal("DVS128", reader.Info.Source);
    }

    [Fact]
    public void Invalid_flagged_events_are_skipped_and_counted()
    {
        var path = WriteFile(Bytes.Aedat31Header(), Bytes.PacketHeader(1, 8, 4, 0, 3, 3, 1),
            Bytes.PolarityEvent(1, 1, true, 10, valid: false), Bytes.PolarityEvent(2, 2, true, 20), Bytes.PolarityEvent(3, 3, true, 30, valid: false));

        using var reader = EventFile.Open(path);
        var events = reader.ReadAll();

        Assert.Equal(1, events.Count);
        Assert.Equal(2, reader.Statistics.InvalidEventsSkipped);
        Assert.Equal(1, reader.Statistics.EventsRead);
        Assert.Equal(0, reader.Statistics.ValidCountMismatches);
    }

    [Fact]
    public void The_timestamp_overflow_field_supplies_bits_31_and_up()
    {
        var path = WriteFile(Bytes.Aedat31Header(), Bytes.PacketHeader(1, 8, 4, 3, 1, 1, 1), Bytes.PolarityEvent(0, 0, true, 42));

        using var reader = EventFile.Open(path);

        Assert.Equal((3L << 31) | 42, reader.ReadAll().Timestamps[0]);
    }

    [Fact]
    public void Packets_of_other_event_types_are_skipped_by_capacity_times_size()
    {
        var special = new byte[2 * 12];
        var path = WriteFile(Bytes.Aedat31Header(),
            Bytes.PacketHeader(0, 12, 8, 0, 2, 1, 1), special,
            Bytes.PacketHeader(1, 8, 4, 0, 1, 1, 1), Bytes.PolarityEvent(4, 5, false, 7));

        using var reader = EventFile.Open(path);
        var events = Bytes.ToList(reader.ReadAll());

        Assert.Equal([new DvsEvent(7, 4, 5, false)], events);
        Assert.Equal(1, reader.Statistics.PacketsSkipped);
        Assert.Equal(1, reader.Statistics.OtherEventsSkipped);
    }

    [Fact]
    public void Unused_packet_capacity_after_the_events_is_skipped()
    {
        var path = WriteFile(Bytes.Aedat31Header(),
            Bytes.PacketHeader(1, 8, 4, 0, 3, 1, 1), Bytes.PolarityEvent(1, 1, true, 5), new byte[16],
            Bytes.PacketHeader(1, 8, 4, 0, 1, 1, 1), Bytes.PolarityEvent(2, 2, true, 6));

        using var reader = EventFile.Open(path);

        Assert.Equal([5L, 6L], reader.ReadAll().Timestamps.ToArray());
    }

    [Fact]
    public void Events_written_by_the_writer_read_back_identically_across_packet_and_overflow_boundaries()
    {
        var events = new EventBuffer();
        var random = new Random(5);
        var t = (1L << 31) - 3000;
        for (var i = 0; i < 10_000; i++)
        {
            t += random.Next(0, 3);
            events.Add(t, random.Next(128), random.Next(128), random.Next(2) == 1);
        }
        var path = _dir.File("roundtrip.aedat");
        using (var writer = new Aedat31Writer(File.Create(path)))
            writer.Write(events);

        using var reader = EventFile.Open(path, new EventReaderOptions { BufferSize = 4096 });
        var read = new EventBuffer();
        foreach (var batch in reader.ReadBatches(777))
            read.AddRange(batch, 0, batch.Count);

        Assert.Equal(Bytes.ToList(events), Bytes.ToList(read));
        Assert.True(reader.Statistics.PacketsRead >= 3);
    }

    [Fact]
    public void A_file_without_the_end_of_header_line_is_a_truncated_header()
    {
        var path = WriteFile(Bytes.Ascii("#!AER-DAT3.1\r\n#Source 1: DVS128\r\n"));

        var error = Assert.Throws<EventFileException>(() => EventFile.Open(path));

        Assert.Contains("truncated header", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void A_packet_cut_short_names_its_offset_and_the_bytes_it_declared()
    {
        var header = Bytes.Aedat31Header();
        var path = WriteFile(header, Bytes.PacketHeader(1, 8, 4, 0, 10, 10, 10), Bytes.PolarityEvent(1, 1, true, 1));

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length, error.Offset);
        Assert.Contains("truncated packet", error.Message);
        Assert.Contains("80 bytes", error.Message);
    }

    [Fact]
    public void A_packet_header_cut_short_is_reported()
    {
        var header = Bytes.Aedat31Header();
        var path = WriteFile(header, Bytes.PacketHeader(1, 8, 4, 0, 1, 1, 1)[..20]);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length, error.Offset);
        Assert.Contains("truncated packet header", error.Message);
    }

    [Theory]
    [InlineData(8, 4, 1, 2, 2, "eventNumber 2 exceeds eventCapacity 1")]
    [InlineData(8, 4, 2, 1, 2, "eventValid 2 exceeds eventNumber 1")]
    [InlineData(16, 4, 1, 1, 1, "polarity events are 8 bytes")]
    [InlineData(8, 6, 1, 1, 1, "eventTSOffset 6 does not fit")]
    public void Packet_header_sizes_that_disagree_are_rejected(int size, int tsOffset, int capacity, int number, int valid, string expected)
    {
        var header = Bytes.Aedat31Header();
        var path = WriteFile(header, Bytes.PacketHeader(1, size, tsOffset, 0, capacity, number, valid), new byte[size * capacity]);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length, error.Offset);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Timestamps_that_go_backwards_fail_at_the_offending_event()
    {
        var header = Bytes.Aedat31Header();
        var path = WriteFile(header, Bytes.PacketHeader(1, 8, 4, 0, 2, 2, 2), Bytes.PolarityEvent(1, 1, true, 200), Bytes.PolarityEvent(1, 1, true, 100));

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length + 28 + 8, error.Offset);
        Assert.Contains("backwards", error.Message);
    }

    [Fact]
    public void A_disagreeing_event_valid_count_is_recorded_not_fatal()
    {
        var path = WriteFile(Bytes.Aedat31Header(), Bytes.PacketHeader(1, 8, 4, 0, 2, 2, 2), Bytes.PolarityEvent(1, 1, true, 1), Bytes.PolarityEvent(1, 1, true, 2, valid: false));

        using var reader = EventFile.Open(path);
        reader.ReadAll();

        Assert.Equal(1, reader.Statistics.ValidCountMismatches);
    }
}
