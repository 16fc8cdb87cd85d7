using Neuro.Data.Formats;

namespace Neuro.Data.Tests;

public sealed class EventFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("#!AER-DAT2.0\r\n", EventFileFormat.Aedat2)]
    [InlineData("#!AER-DAT3.1\r\n", EventFileFormat.Aedat31)]
    [InlineData("#!AER-DAT4.0\r\n", EventFileFormat.Aedat4)]
    public void The_sniffer_picks_the_format_from_the_first_header_line(string magic, EventFileFormat expected)
    {
        var path = _dir.File("file.aedat");
        File.WriteAllBytes(path, Bytes.Concat(Bytes.Ascii(magic), new byte[8]));

        Assert.Equal(expected, EventFile.Sniff(path));
    }

    [Fact]
    public void A_file_with_the_wrong_magic_names_the_file_the_offset_and_what_was_expected()
    {
        var path = _dir.File("photo.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xE0, (byte)'J', (byte)'F', (byte)'I', (byte)'F']);

        var error = Assert.Throws<EventFileException>(() => EventFile.Open(path));

        Assert.Equal(0, error.Offset);
        Assert.StartsWith($"{path}: at byte 0: wrong magic: expected '#!AER-DAT2.0', '#!AER-DAT3.1' or '#!AER-DAT4.0'", error.Message);
    }

    [Fact]
    public void An_unsupported_AEDAT_version_is_named_as_such()
    {
        var path = _dir.File("old.aedat");
        File.WriteAllBytes(path, Bytes.Ascii("#!AER-DAT3.0\r\n#!END-HEADER\r\n"));

        var error = Assert.Throws<EventFileException>(() => EventFile.Open(path));

        Assert.Contains("not supported", error.Message);
    }

    [Fact]
    public void A_reader_constructed_directly_checks_its_own_magic()
    {
        using var stream = new MemoryStream(Bytes.Ascii("#!AER-DAT2.0\r\n"));

        var error = Assert.Throws<EventFileException>(() => new Aedat31Reader(stream, "stream"));

        Assert.Contains("expected '#!AER-DAT3.1', found '#!AER-DAT2.0'", error.Message);
    }

    [Fact]
    public async Task Batches_can_be_consumed_as_an_async_stream()
    {
        var path = _dir.File("a.aedat");
        File.WriteAllBytes(path, Bytes.Concat(Bytes.Aedat31Header(), Bytes.PacketHeader(1, 8, 4, 0, 3, 3, 3),
            Bytes.PolarityEvent(1, 1, true, 1), Bytes.PolarityEvent(1, 1, true, 2), Bytes.PolarityEvent(1, 1, true, 3)));
        using var reader = EventFile.Open(path);

        var sizes = new List<int>();
        await foreach (var batch in reader.ReadBatchesAsync(2))
            sizes.Add(batch.Count);

        Assert.Equal([2, 1], sizes);
    }
}
