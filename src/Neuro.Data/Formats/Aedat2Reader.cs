using System.Buffers.Binary;
using Neuro.Data.Events;

namespace Neuro.Data.Formats;

/// <summary>
/// Reads jAER's AEDAT 2.0: '#' header lines (the first is <c>#!AER-DAT2.0</c>), then big-endian pairs of a
/// 32-bit address and a 32-bit timestamp in microseconds. Addresses are decoded the way jAER's extractors
/// do, including their quirks:
/// <list type="bullet">
/// <item><description>x is flipped: jAER computes <c>x = sizeX - 1 - rawX</c> because the raw x counts from the right.</description></item>
/// <item><description>DVS128: polarity bit 0 clear means ON (jAER's <c>type = 1 - (addr &amp; 1)</c>); bit 15 marks a special event.</description></item>
/// <item><description>DAVIS: polarity bit 11 set means ON; bit 31 marks APS/IMU data and bit 10 an external-input event, both skipped.</description></item>
/// </list>
/// jAER puts the origin at the bottom-left with y up; by default this reader flips y so every format shares
/// the top-left origin, and <see cref="EventReaderOptions.Aedat2JaerOrigin"/> keeps jAER's y. The 32-bit
/// timestamps are unwrapped: a drop of more than 2^31 is a wrap-around, any other drop is an error.
/// </summary>
public sealed class Aedat2Reader : EventReader
{
    /// <summary>The first header line of an AEDAT 2.0 file.</summary>
    public const string Magic = "#!AER-DAT2.0";

    internal const int RecordSize = 8;
    private const string JaerEndOfHeader = "#End Of ASCII Header";

    private readonly EventFileInfo _info;
    private readonly Aedat2Camera _camera;
    private readonly int _width;
    private readonly int _height;
    private readonly bool _flipY;
    private long _wrapBase;
    private uint _lastRaw;
    private bool _started;

    /// <summary>Opens a stream positioned at the start of an AEDAT 2.0 file and reads its header.</summary>
    public Aedat2Reader(Stream stream, string path, EventReaderOptions? options = null, bool leaveOpen = false)
        : base(stream, path, options ?? EventReaderOptions.Default, leaveOpen)
    {
        var first = ExpectMagic(Magic);
        var lines = ReadHashHeader(JaerEndOfHeader, terminatorRequired: false);
        lines.Insert(0, first);
        var chip = lines
            .Select(line => line.TrimStart('#').Trim())
            .FirstOrDefault(line => line.StartsWith("AEChip:", StringComparison.OrdinalIgnoreCase));
        chip = chip?["AEChip:".Length..].Trim();
        _camera = Options.Aedat2Camera ?? CameraFromChip(chip);
        (_width, _height) = _camera switch
        {
            Aedat2Camera.Davis240 => (240, 180),
            Aedat2Camera.Davis346 => (346, 260),
            _ => (128, 128),
        };
        _flipY = !Options.Aedat2JaerOrigin;
        _info = new EventFileInfo(path, EventFileFormat.Aedat2, _width, _height, chip ?? _camera.ToString().ToUpperInvariant(), lines);
    }

    /// <inheritdoc />
    public override EventFileInfo Info => _info;

    /// <summary>The address layout in use.</summary>
    public Aedat2Camera Camera => _camera;

    private static Aedat2Camera CameraFromChip(string? chip) =>
        chip switch
        {
            null => Aedat2Camera.Dvs128,
            _ when chip.Contains("DAVIS346", StringComparison.OrdinalIgnoreCase) => Aedat2Camera.Davis346,
            _ when chip.Contains("DAVIS240", StringComparison.OrdinalIgnoreCase) || chip.Contains("SBret10", StringComparison.OrdinalIgnoreCase) => Aedat2Camera.Davis240,
            _ => Aedat2Camera.Dvs128,
        };

    private protected override int ReadCore(EventBuffer destination, int maxEvents)
    {
        var appended = 0;
        while (appended < maxEvents)
        {
            var want = Math.Min(maxEvents - appended, Math.Max(1, Options.BufferSize / RecordSize));
            if (!Input.TryEnsure(RecordSize))
            {
                if (Input.Buffered > 0)
                    throw Error(Input.Offset, $"truncated event: expected {RecordSize} bytes (address, timestamp), found {Input.Buffered}");
                break;
            }
            Input.TryEnsure(want * RecordSize);
            var records = Math.Min(want, Input.Buffered / RecordSize);
            appended += ParseRecords(destination, records);
        }
        return appended;
    }

    private int ParseRecords(EventBuffer destination, int records)
    {
        var bytes = Input.Peek(records * RecordSize);
        var (xs, ys, ps, ts) = destination.RawArrays;
        var n = destination.Count;
        var other = 0;
        for (var i = 0; i < records; i++)
        {
            var record = bytes.Slice(i * RecordSize, RecordSize);
            var address = BinaryPrimitives.ReadUInt32BigEndian(record);
            var raw = BinaryPrimitives.ReadUInt32BigEndian(record[4..]);
            var offset = Input.Offset + (i * RecordSize);
            var t = Unwrap(raw, offset);

            int rawX, rawY;
            bool on;
            if (_camera == Aedat2Camera.Dvs128)
            {
                if (address > 0x7FFF)
                {
                    other++;
                    continue;
                }
                rawX = (int)((address & 0xFE) >> 1);
                rawY = (int)((address & 0x7F00) >> 8);
                on = (address & 1) == 0;
            }
            else
            {
                if ((address & 0x8000_0000) != 0 || (address & 0x400) != 0)
                {
                    other++;
                    continue;
                }
                rawX = (int)((address >> 12) & 0x3FF);
                rawY = (int)((address >> 22) & 0x1FF);
                on = ((address >> 11) & 1) == 1;
            }
            if (rawX >= _width || rawY >= _height)
                throw Error(offset, $"address 0x{address:X8} decodes to ({rawX}, {rawY}), outside the {_width} × {_height} {_camera} array; expected another camera layout?");
            xs[n] = _width - 1 - rawX;
            ys[n] = _flipY ? _height - 1 - rawY : rawY;
            ps[n] = on ? (byte)1 : (byte)0;
            ts[n] = t;
            n++;
        }
        Input.Advance(bytes.Length);
        var appended = n - destination.Count;
        destination.SetCount(n);
        Statistics.OtherEventsSkipped += other;
        return appended;
    }

    private long Unwrap(uint raw, long offset)
    {
        if (_started && raw < _lastRaw)
        {
            // jAER timestamps are 32-bit counters: a large drop is the counter wrapping, a small one is a bad file.
            if (_lastRaw - raw > 0x8000_0000u)
                _wrapBase += 1L << 32;
            else
                throw BackwardsTimestamp(offset + 4, _wrapBase + raw);
        }
        _started = true;
        _lastRaw = raw;
        var t = _wrapBase + raw;
        LastTimestamp = t;
        return t;
    }
}
