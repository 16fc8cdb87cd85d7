using System.Buffers.Binary;
using Neuro.Program;

namespace Neuro.Link;

/// <summary>
/// Turns one time step's input frame (C·H·W cells, the program's <see cref="InputSpec"/>) into EVENTS messages,
/// choosing per step the encoding with the fewest bytes (docs/protocol.md section 5):
/// SPARSE16 costs 2 bytes per event, SPARSE16_COUNT 3 per non-zero cell, BITMAP C·H·W/8 (only when every
/// cell is 0 or 1), DENSE C·H·W. Sparse encodings need C·H·W ≤ 65,536 (2·128·128 = 32,768 fits).
/// </summary>
public sealed class EventEncoder
{
    private readonly InputSpec _input;
    private readonly int _partBytes;

    /// <param name="input">The program's input: frame shape and whether cells are binary.</param>
    /// <param name="maxPayload">The board's largest payload (INFO); each EVENTS part fits in it.</param>
    public EventEncoder(InputSpec input, int maxPayload)
    {
        if (maxPayload <= EventsRequest.HeaderBytes + 3)
        {
            throw new LinkException($"a payload limit of {maxPayload} bytes leaves no room for events");
        }
        _input = input;
        _partBytes = maxPayload - EventsRequest.HeaderBytes;
    }

    /// <summary>Bytes each encoding would take for this frame; -1 where the encoding cannot carry it.</summary>
    public static (long Sparse16, long Sparse16Count, long Bitmap, long Dense) Costs(ReadOnlySpan<byte> frame)
    {
        long events = 0, nonZero = 0;
        bool binary = true;
        foreach (byte v in frame)
        {
            events += v;
            nonZero += v != 0 ? 1 : 0;
            binary &= v <= 1;
        }
        bool addressable = frame.Length <= 65536;
        return (addressable ? 2 * events : -1, addressable ? 3 * nonZero : -1, binary ? (frame.Length + 7) / 8 : -1, frame.Length);
    }

    /// <summary>The encoding this frame goes out in.</summary>
    public static EventEncoding Choose(ReadOnlySpan<byte> frame)
    {
        var (s16, s16c, bitmap, dense) = Costs(frame);
        var best = (Cost: dense, Encoding: EventEncoding.Dense);
        if (bitmap >= 0 && bitmap < best.Cost) best = (bitmap, EventEncoding.Bitmap);
        if (s16c >= 0 && s16c < best.Cost) best = (s16c, EventEncoding.Sparse16Count);
        if (s16 >= 0 && s16 <= best.Cost) best = (s16, EventEncoding.Sparse16);
        return best.Encoding;
    }

    /// <summary>The EVENTS parts of step <paramref name="step"/>; the last one has <see cref="EventsRequest.EndOfStep"/> set.</summary>
    public IReadOnlyList<EventsRequest> Encode(ushort step, ReadOnlySpan<byte> frame)
    {
        if (frame.Length != _input.FrameLength)
        {
            throw new LinkException($"step {step}: frame of {frame.Length} cells, the program's input is {_input.Channels}x{_input.Height}x{_input.Width} = {_input.FrameLength}");
        }
        var encoding = Choose(frame);
        var parts = new List<(uint Base, byte[] Data)>();
        switch (encoding)
        {
            case EventEncoding.Sparse16:
            {
                var data = new List<byte>();
                for (int cell = 0; cell < frame.Length; cell++)
                {
                    for (int k = 0; k < frame[cell]; k++)
                    {
                        data.Add((byte)cell);
                        data.Add((byte)(cell >> 8));
                    }
                }
                Split(parts, data, 2);
                break;
            }
            case EventEncoding.Sparse16Count:
            {
                var data = new List<byte>();
                for (int cell = 0; cell < frame.Length; cell++)
                {
                    if (frame[cell] != 0)
                    {
                        data.Add((byte)cell);
                        data.Add((byte)(cell >> 8));
                        data.Add(frame[cell]);
                    }
                }
                Split(parts, data, 3);
                break;
            }
            case EventEncoding.Bitmap:
            {
                int cellsPerPart = _partBytes * 8;
                for (int start = 0; start < frame.Length; start += cellsPerPart)
                {
                    int cells = Math.Min(cellsPerPart, frame.Length - start);
                    var data = new byte[(cells + 7) / 8];
                    bool any = false;
                    for (int i = 0; i < cells; i++)
                    {
                        if (frame[start + i] != 0)
                        {
                            data[i / 8] |= (byte)(1 << (i % 8));
                            any = true;
                        }
                    }
                    if (any)
                    {
                        parts.Add(((uint)start, data));
                    }
                }
                break;
            }
            default:
                for (int start = 0; start < frame.Length; start += _partBytes)
                {
                    var slice = frame.Slice(start, Math.Min(_partBytes, frame.Length - start));
                    if (slice.IndexOfAnyExcept((byte)0) >= 0)
                    {
                        parts.Add(((uint)start, slice.ToArray()));
                    }
                }
                break;
        }
        if (parts.Count == 0)
        {
            parts.Add((0, []));
        }
        var messages = new EventsRequest[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            messages[i] = new EventsRequest(step, encoding, i == parts.Count - 1, parts[i].Base, parts[i].Data);
        }
        return messages;
    }

    private void Split(List<(uint, byte[])> parts, List<byte> data, int entryBytes)
    {
        int perPart = _partBytes / entryBytes * entryBytes;
        for (int start = 0; start < data.Count; start += perPart)
        {
            parts.Add((0, data.GetRange(start, Math.Min(perPart, data.Count - start)).ToArray()));
        }
    }

    /// <summary>Applies EVENTS parts to a frame the way a board does (docs/protocol.md section 5.2); for tests and tools.</summary>
    public static void Apply(EventsRequest part, Span<byte> frame, bool binary)
    {
        var d = part.Data;
        switch (part.Encoding)
        {
            case EventEncoding.Sparse16:
                for (int i = 0; i + 1 < d.Length; i += 2) Add(part, frame, binary, BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(i)), 1);
                break;
            case EventEncoding.Sparse16Count:
                for (int i = 0; i + 2 < d.Length; i += 3) Add(part, frame, binary, BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(i)), d[i + 2]);
                break;
            case EventEncoding.Bitmap:
                for (int i = 0; i < d.Length * 8; i++)
                {
                    if (((d[i / 8] >> (i % 8)) & 1) != 0) Add(part, frame, binary, (int)part.Base + i, 1);
                }
                break;
            default:
                for (int i = 0; i < d.Length; i++) Add(part, frame, binary, (int)part.Base + i, d[i]);
                break;
        }
    }

    private static void Add(EventsRequest part, Span<byte> frame, bool binary, int cell, int count)
    {
        if ((uint)cell >= (uint)frame.Length)
        {
            throw new LinkException($"EVENTS step {part.Step}: cell {cell} outside a frame of {frame.Length}");
        }
        frame[cell] = binary ? (count != 0 ? (byte)1 : frame[cell]) : (byte)Math.Min(255, frame[cell] + count);
    }
}
