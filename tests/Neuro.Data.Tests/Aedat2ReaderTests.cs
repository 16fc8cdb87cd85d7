using Neuro.Data.Events;
using Neuro.Data.Formats;

namespace Neuro.Data.Tests;

public sealed class Aedat2ReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Header(string chip) =>
        Bytes.Ascii($"#!AER-DAT2.0\r\n# This is a raw AE data file created by AEOutputStream\r\n# AEChip: {chip}\r\n");

    private string WriteFile(params byte[][] parts)
    {
        var path = _dir.File("jaer.aedat");
        File.WriteAllBytes(path, Bytes.Concat(parts));
        return path;
    }

    [Fact]
    public void A_DVS128_address_decodes_with_jAERs_x_flip_and_on_when_bit_0_is_clear()
    {
        // Raw x 10 in bits 1–7, raw y 20 in bits 8–14: 0x1414 with bit 0 clear (ON), 0x1415 with it set (OFF).
        byte[] on = [0x00, 0x00, 0x14, 0x14, 0x00, 0x00, 0x00, 0x64];
        byte[] off = [0x00, 0x00, 0x14, 0x15, 0x00, 0x00, 0x00, 0xC8];
        var path = WriteFile(Header("ch.unizh.ini.jaer.chip.retina.DVS128"), on, off);

        using var reader = EventFile.Open(path);
        var events = Bytes.ToList(reader.ReadAll());

        // x = 127 − 10; y is flipped from jAER's bottom-left origin to the top-left one: 127 − 20.
        Assert.Equal([new DvsEvent(100, 117, 107, true), new DvsEvent(200, 117, 107, false)], events);
        Assert.Equal(EventFileFormat.Aedat2, reader.Info.Format);
        Assert.Equal((128, 128), (reader.Info.Width, reader.Info.Height));
    }

    [Fact]
    public void The_jAER_origin_option_keeps_jAERs_y()
    {
        var path = WriteFile(Header("DVS128"), Bytes.Aedat2Record(0x1414, 1));

        using var reader = EventFile.Open(path, new EventReaderOptions { Aedat2JaerOrigin = true });

        Assert.Equal(new DvsEvent(1, 117, 20, true), reader.ReadAll()[0]);
    }

    [Fact]
    public void DVS128_special_events_are_skipped_and_counted()
    {
        var path = WriteFile(Header("DVS128"), Bytes.Aedat2Record(0x8000, 1), Bytes.Aedat2Record(0x0000, 2));

        using var reader = EventFile.Open(path);

        Assert.Equal([new DvsEvent(2, 127, 127, true)], Bytes.ToList(reader.ReadAll()));
        Assert.Equal(1, reader.Statistics.OtherEventsSkipped);
    }

    [Fact]
    public void A_DAVIS240_address_decodes_x_y_and_polarity_from_bits_12_22_and_11()
    {
        var address = (30u << 22) | (200u << 12) | (1u << 11);
        var path = WriteFile(Header("eu.seebetter.ini.chips.davis.DAVIS240C"), Bytes.Aedat2Record(address, 9),
            Bytes.Aedat2Record(0x8000_0000 | address, 10), Bytes.Aedat2Record(address & ~(1u << 11), 11));

        using var reader = EventFile.Open(path);
        var events = Bytes.ToList(reader.ReadAll());

        Assert.Equal(Aedat2Camera.Davis240, ((Aedat2Reader)reader).Camera);
        Assert.Equal([new DvsEvent(9, 239 - 200, 179 - 30, true), new DvsEvent(11, 39, 149, false)], events);
        Assert.Equal(1, reader.Statistics.OtherEventsSkipped);
    }

    [Fact]
    public void A_32_bit_timestamp_wrap_is_unwrapped()
    {
        var path = WriteFile(Header("DVS128"), Bytes.Aedat2Record(0, 0xFFFF_FFF0), Bytes.Aedat2Record(0, 0x10));

        using var reader = EventFile.Open(path);

        Assert.Equal([0xFFFF_FFF0L, (1L << 32) + 0x10], reader.ReadAll().Timestamps.ToArray());
    }

    [Fact]
    public void Timestamps_that_go_backwards_fail_at_the_offending_record()
    {
        var header = Header("DVS128");
        var path = WriteFile(header, Bytes.Aedat2Record(0, 100), Bytes.Aedat2Record(0, 50));

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length + 8 + 4, error.Offset);
        Assert.Contains("backwards", error.Message);
    }

    [Fact]
    public void A_record_cut_short_is_a_truncated_event()
    {
        var header = Header("DVS128");
        var path = WriteFile(header, Bytes.Aedat2Record(0, 1), [0, 0, 1]);

        using var reader = EventFile.Open(path);
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Equal(header.Length + 8, error.Offset);
        Assert.Contains("truncated event", error.Message);
    }

    [Fact]
    public void An_address_outside_the_array_suggests_another_camera_layout()
    {
        var path = WriteFile(Header("DVS128"), Bytes.Aedat2Record((200u << 22) | (300u << 12), 1));

        using var reader = EventFile.Open(path, new EventReaderOptions { Aedat2Camera = Aedat2Camera.Davis240 });
        var error = Assert.Throws<EventFileException>(() => reader.ReadAll());

        Assert.Contains("outside the 240 × 180", error.Message);
    }
}
