using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Numerics;
using Neuro.Program;

namespace Neuro.Sim.Execution;

/// <summary>
/// One op prepared for fast execution: weights re-laid out once (transposed to rows so an event adds a contiguous
/// row), geometry precomputed. Kernels hold no per-sample state; everything mutable lives in the <see cref="Workspace"/>.
/// </summary>
internal abstract class OpKernel
{
    /// <summary>Runs the op for one step and fills its counters with what event-driven hardware would count.</summary>
    public abstract void Run(Workspace ws, ref StepCounters counters, bool lastStep);

    /// <summary>The buffer whose events drive the op, or −1.</summary>
    public virtual int DrivingBuffer => -1;

    /// <summary>Longest event list (rows) the op builds at once.</summary>
    public virtual int EventScratch => 0;

    /// <summary>i32 scratch the op needs.</summary>
    public virtual int IntScratch => 0;

    /// <summary>i16 scratch the op needs.</summary>
    public virtual int ShortScratch => 0;

    /// <summary>u8 scratch the op needs.</summary>
    public virtual int ByteScratch => 0;

    /// <summary>Length of the input masks the op keeps from one step to the next (<see cref="TemporalMasks"/>), or 0.</summary>
    public virtual int TemporalWords => 0;

    /// <summary>i32 the op keeps to itself in every workspace (<see cref="Workspace.Private"/>), zero at first and left as the op leaves it.</summary>
    public virtual int PrivateInts => 0;

    /// <summary>The op's position in the program: its <see cref="Workspace.Temporal"/> and <see cref="Workspace.Private"/> slot.</summary>
    public int Index { get; set; }

    protected static void FillBias(Span<int> acc, int[]? bias)
    {
        if (bias is null)
            acc.Clear();
        else
            bias.CopyTo(acc);
    }
}

/// <summary>Per-thread memory of a running program: every buffer plus the kernels' scratch.</summary>
internal sealed class Workspace
{
    public Workspace(SpikeProgram program, IReadOnlyList<OpKernel> kernels)
    {
        var arrays = new BufferArrays(program);
        (Bytes, Ints) = (arrays.Bytes, arrays.Ints);
        int events = Math.Max(1, kernels.Max(k => k.EventScratch));
        Rows = new int[events];
        Values = new int[events];
        IntTemp = new int[Math.Max(1, kernels.Max(k => k.IntScratch))];
        ShortTemp = new short[Math.Max(1, kernels.Max(k => k.ShortScratch))];
        ByteTemp = new byte[Math.Max(1, kernels.Max(k => k.ByteScratch))];
        PersistentBuffers = [.. Enumerable.Range(0, program.Buffers.Length).Where(b => program.Buffers[b].Kind == BufferKind.Persistent)];
        Temporal = [.. kernels.Select(k => k.TemporalWords > 0 ? new TemporalMasks(k.TemporalWords) : null)];
        Private = [.. kernels.Select(k => k.PrivateInts > 0 ? new int[k.PrivateInts] : null)];
    }

    public byte[][] Bytes { get; }

    public int[][] Ints { get; }

    public int[] Rows { get; }

    public int[] Values { get; }

    public int[] IntTemp { get; }

    public short[] ShortTemp { get; }

    public byte[] ByteTemp { get; }

    private int[] PersistentBuffers { get; }

    /// <summary>Per op (by <see cref="OpKernel.Index"/>), the input masks it keeps between steps, or null.</summary>
    public TemporalMasks?[] Temporal { get; }

    /// <summary>Per op (by <see cref="OpKernel.Index"/>), the i32 it keeps to itself, or null.</summary>
    public int[]?[] Private { get; }

    /// <summary>The logits the Readout computed at the last step of the current sample.</summary>
    public int[] Logits { get; set; } = [];

    /// <summary>Zeroes the membranes and readout sums: the start of every sample.</summary>
    public void ResetState()
    {
        Logits = [];
        foreach (var masks in Temporal)
            masks?.Invalidate();
        foreach (int b in PersistentBuffers)
        {
            if (Ints[b] is { } ints)
                Array.Clear(ints);
            else
                Array.Clear(Bytes[b]);
        }
    }
}

/// <summary>
/// An op's spike input as bit masks at this step and the last, for the temporal delta: a step's output is the last
/// step's plus the rows of the inputs that started spiking minus those of the inputs that stopped (exact in integers,
/// and the verifier's bounds keep every accumulator inside int32). Between steps of a DVS sample most spikes persist
/// (2-256's convs: 35–49 % of inputs spike, 12–15 % change), so the delta adds far fewer rows than the events.
/// </summary>
internal sealed class TemporalMasks(int words)
{
    public ulong[] Current { get; private set; } = new ulong[words];

    public ulong[] Previous { get; private set; } = new ulong[words];

    /// <summary><see cref="Previous"/> holds the last step's input and the op's output buffer still holds that step's result.</summary>
    public bool Valid { get; private set; }

    /// <summary>The step computed its output from <see cref="Current"/>: that becomes the next step's previous input.</summary>
    public void Advance()
    {
        (Current, Previous) = (Previous, Current);
        Valid = true;
    }

    /// <summary>The step took a path that keeps no masks (or a new sample starts): the next step adds all its rows.</summary>
    public void Invalidate() => Valid = false;

    /// <summary>The spikes in <paramref name="now"/> and how many of its bits differ from <paramref name="before"/>.</summary>
    public static (int Spikes, int Changes) Compare(ReadOnlySpan<ulong> now, ReadOnlySpan<ulong> before)
    {
        int spikes = 0, changes = 0;
        for (int word = 0; word < now.Length; word++)
        {
            spikes += BitOperations.PopCount(now[word]);
            changes += BitOperations.PopCount(now[word] ^ before[word]);
        }
        return (spikes, changes);
    }
}

/// <summary>Whether spike-driven convs and linears add the temporal delta: by the step's measured work, or forced (tests).</summary>
internal enum TemporalDelta
{
    ByWork,
    Always,
    Never,
}

/// <summary>How a conv computes a step: chosen by the step's measured work, or forced (tests, calibration).</summary>
internal enum ConvPass
{
    ByWork,
    Scatter,
    Events,
    Dense,
}

/// <summary>
/// Conv2d 3×3/1/1, output-stationary: the input's events are bucketed by position, and each output position adds the
/// i8 weight rows [(c·9 + tap)][O padded] of the events under its 9 taps (one segment per tap) into one accumulator
/// row, transposed to [O, H, W] at the end.
/// </summary>
internal sealed class Conv2dKernel : OpKernel
{
    private readonly Conv2dOp _op;
    private readonly int _channels, _height, _width, _outChannels, _padded, _maxAbsWeight;
    private readonly sbyte[] _rows;   // [(c·9 + ky·3 + kx)][padded O]
    private readonly int[] _bias;     // [padded O]
    private readonly int[] _taps;     // in-bounds taps per input position
    private readonly long _denseMacs;
    private readonly SimdLevel _level;
    private readonly ConvPass _pass;
    private readonly TemporalDelta _delta;
    private readonly short[] _weights;   // [O][C][9] as the program holds them, for the dense pass
    private readonly int _planeWidth, _planeLength, _imageLength;
    private readonly int[] _tapOffsets;   // tap (ky, kx) of the dense pass's flattened image: ky·(W + 2) + kx
    private readonly int[] _interiorMaskOffsets;   // tap (ky, kx) of an interior position's masks: ((ky − 1)·W + kx − 1)·words
    private readonly int[] _interiorRowOffsets;    // tap t's weight rows: t·O padded

    public Conv2dKernel(SpikeProgram program, Conv2dOp op, SimdLevel level, ConvPass pass, TemporalDelta delta)
    {
        _op = op;
        _level = level;
        _pass = pass;
        _delta = delta;
        var shape = program.Buffers[op.Input].Shape;
        (_channels, _height, _width) = (shape[0], shape[1], shape[2]);
        _outChannels = program.Buffers[op.Output].Shape[0];
        _padded = RowKernels.Padded(_outChannels);
        var weights = program.Tensors[op.Weights];
        _rows = new sbyte[_channels * 9 * _padded];
        for (int o = 0; o < _outChannels; o++)
        for (int c = 0; c < _channels; c++)
        for (int tap = 0; tap < 9; tap++)
        {
            int w = weights.Int8At((o * _channels + c) * 9 + tap);
            _rows[(c * 9 + tap) * _padded + o] = (sbyte)w;
            _maxAbsWeight = Math.Max(_maxAbsWeight, Math.Abs(w));
        }
        _bias = new int[_padded];
        if (op.Bias != Op.NoTensor)
        {
            for (int o = 0; o < _outChannels; o++)
                _bias[o] = program.Tensors[op.Bias].Int32At(o);
        }
        _interiorMaskOffsets = [.. Enumerable.Range(0, 9).Select(tap => ((tap / 3 - 1) * _width + tap % 3 - 1) * MaskWords)];
        _interiorRowOffsets = [.. Enumerable.Range(0, 9).Select(tap => tap * _padded)];
        _taps = new int[_height * _width];
        for (int y = 0; y < _height; y++)
        for (int x = 0; x < _width; x++)
            _taps[y * _width + x] = Span(y, _height) * Span(x, _width);
        _denseMacs = (long)_channels * _outChannels * _taps.Sum();
        _weights = [.. Enumerable.Range(0, _outChannels * _channels * 9).Select(i => (short)weights.Int8At(i))];
        _planeWidth = _width + 2;
        _planeLength = RowKernels.Padded(_height * _planeWidth);
        _imageLength = _planeLength + 2 * _planeWidth + 2;
        _tapOffsets = [.. Enumerable.Range(0, 9).Select(tap => tap / 3 * _planeWidth + tap % 3)];
    }

    /// <summary>How many of the 3 kernel rows (or columns) at coordinate <paramref name="i"/> land inside a map of size <paramref name="n"/>.</summary>
    private static int Span(int i, int n) => (i > 0 ? 1 : 0) + 1 + (i < n - 1 ? 1 : 0);

    public override int DrivingBuffer => _op.Input;

    public override int EventScratch => 2 * _channels * _height * _width;

    public override int IntScratch => ChangeBase + 2 * _height * _width;

    /// <summary>Where the temporal delta's per-position spike and change counts start in the i32 scratch: after the buckets.</summary>
    private int ChangeBase => ScratchBase + 2 * _height * _width + _channels + 2;

    /// <summary>Where the event pass's position buckets start in the i32 scratch: after the accumulator tile or the dense pass's plane.</summary>
    private int ScratchBase => Math.Max(PositionTile * _padded, _planeLength);

    public override int ShortScratch => _channels * _imageLength + _planeLength;

    /// <summary>The spike event pass keeps each input position's channel mask for the next step's delta.</summary>
    public override int TemporalWords => _level == SimdLevel.Avx512 ? _height * _width * MaskWords : 0;

    private int MaskWords => (_channels + 63) / 64;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] input = ws.Bytes[_op.Input];
        int[] acc = ws.Ints[_op.Output];
        int positions = _height * _width, outChannels = _outChannels, padded = _padded;
        // Every event's position p, channel by channel (channelStart[c] is where channel c's events begin: no division by P
        // per event), then bucketed by position (a counting sort): start[p]..start[p+1] index the channel·9 row base and
        // value of the events at p.
        Span<int> eventPosition = ws.Rows.AsSpan(_channels * positions);
        Span<int> channelStart = ws.IntTemp.AsSpan(ScratchBase + 2 * positions + 1, _channels + 1);
        Span<int> start = ws.IntTemp.AsSpan(ScratchBase, positions + 1);
        long inputSum = 0, updates = 0, sops = 0;
        int max = 0, events;
        // Spike inputs under AVX-512 become channel masks per position, kept for the next step: built straight from the
        // input's nonzero bits (no event list unless the scatter pass needs one), their counters come from the masks (a
        // popcount per position, no pass per event), and with the last step's masks the conv may add only what changed
        // (the temporal delta), which the pass choice then weighs.
        var temporal = ws.Temporal[Index];
        bool spikeMasks = temporal is not null && SpikeProducts.MaxOf(input) <= 1;
        long deltaRows = long.MaxValue;
        if (spikeMasks)
        {
            events = BuildMasks(temporal!.Current, input);
            (updates, deltaRows) = MaskCounts(ws, temporal, temporal.Valid && _delta != TemporalDelta.Never);
            (inputSum, sops, max) = (events, updates, events > 0 ? 1 : 0);
        }
        else
        {
            events = EventPositions(input, eventPosition, channelStart);
            start.Clear();
            for (int c = 0; c < _channels; c++)
            {
                ReadOnlySpan<byte> plane = input.AsSpan(c * positions, positions);
                foreach (int p in eventPosition[channelStart[c]..channelStart[c + 1]])
                {
                    int value = plane[p];
                    start[p + 1]++;
                    inputSum += value;
                    max = Math.Max(max, value);
                    long fanOut = _taps[p];
                    updates += fanOut;
                    sops += fanOut * value;
                }
            }
        }
        long eventRows = updates;
        updates *= outChannels;
        sops *= outChannels;
        counters.Events = events;
        counters.InputSum = inputSum;
        if (_op.Dense)
            counters.Macs = _denseMacs;
        else
        {
            counters.Updates = updates;
            counters.SynapticOps = sops;
        }
        if (_pass == ConvPass.ByWork ? events * ScatterBelow < positions : _pass == ConvPass.Scatter)
        {
            temporal?.Invalidate();
            if (spikeMasks)
                EventPositions(input, eventPosition, channelStart);
            Scatter(ws, input, eventPosition, channelStart, acc);
            return;
        }
        // Estimated cycles of each pass (fitted to the presets' convs on AVX-512): the event pass costs per 32-lane row add
        // and per output position (segments, bias, the transpose's strided stores); the dense pass costs per (o, c, tap)
        // plane and per vector of a plane, plus widening the input images and copying out the output planes.
        long rowAdds = Math.Min(eventRows, deltaRows) * (padded / RowKernels.RowAlignment);
        long eventWork = RowAddCycles * rowAdds + PositionCycles * (long)positions;
        long denseWork = (long)outChannels * _channels * 9 * (PlaneCycles + VectorCycles * (_planeLength / RowKernels.RowAlignment))
            + 2L * (outChannels * _planeLength + _channels * _imageLength);
        if (_pass == ConvPass.ByWork ? denseWork < eventWork : _pass == ConvPass.Dense)
        {
            temporal?.Invalidate();
            Dense(ws, input, acc, RowKernels.NarrowGroup(_maxAbsWeight, max));
            return;
        }
        if (spikeMasks)
        {
            bool delta = _delta == TemporalDelta.Always ? deltaRows != long.MaxValue : deltaRows < eventRows;
            SpikeEvents(ws, temporal!, acc, RowKernels.NarrowGroup(_maxAbsWeight, 1), delta);
            return;
        }
        temporal?.Invalidate();
        for (int p = 0; p < positions; p++)
            start[p + 1] += start[p];
        Span<int> fill = ws.IntTemp.AsSpan(ScratchBase + positions + 1, positions);
        start[..positions].CopyTo(fill);
        Span<int> eventRow = ws.Rows.AsSpan(0, events);
        Span<int> eventValue = ws.Values.AsSpan(0, events);
        for (int c = 0; c < _channels; c++)
        {
            ReadOnlySpan<byte> plane = input.AsSpan(c * positions, positions);
            foreach (int p in eventPosition[channelStart[c]..channelStart[c + 1]])
            {
                int slot = fill[p]++;
                eventRow[slot] = c * 9 * padded;
                eventValue[slot] = plane[p];
            }
        }
        bool unit = inputSum == events;
        int group = RowKernels.NarrowGroup(_maxAbsWeight, max);
        Span<int> tile = ws.IntTemp.AsSpan(0, PositionTile * padded);
        Span<Segment> segments = stackalloc Segment[9];
        Span<int> tapPositions = stackalloc int[9];
        Span<int> tapIndices = stackalloc int[9];
        for (int first = 0; first < positions; first += PositionTile)
        {
            int tiled = Math.Min(PositionTile, positions - first);
            for (int i = 0; i < tiled; i++)
            {
                int taps = InBoundsTaps(first + i, tapPositions, tapIndices), count = 0;
                for (int t = 0; t < taps; t++)
                {
                    int p = tapPositions[t];
                    if (start[p] < start[p + 1])
                        segments[count++] = new Segment(start[p], start[p + 1], tapIndices[t] * padded);
                }
                Span<int> target = tile.Slice(i * padded, padded);
                _bias.CopyTo(target);
                RowKernels.AccumulateSegments(target, _rows, eventRow, eventValue, segments[..count], unit, group, _level);
            }
            RowKernels.TransposeTile(tile, tiled, padded, outChannels, acc, positions, first, _level);
        }
    }

    /// <summary>
    /// The input positions under output position <paramref name="output"/>'s 3 × 3 window that lie inside the map (the
    /// zero padding contributes nothing), with each one's tap index ky·3 + kx; returns how many.
    /// </summary>
    private int InBoundsTaps(int output, Span<int> positions, Span<int> taps)
    {
        int oy = output / _width, ox = output - oy * _width, count = 0;
        if (oy > 0 && oy < _height - 1 && ox > 0 && ox < _width - 1)
        {
            for (int tap = 0; tap < 9; tap++)
            {
                positions[tap] = output + (tap / 3 - 1) * _width + tap % 3 - 1;
                taps[tap] = tap;
            }
            return 9;
        }
        for (int ky = 0; ky < 3; ky++)
        {
            int y = oy + ky - 1;
            if (y < 0 || y >= _height)
                continue;
            for (int kx = 0; kx < 3; kx++)
            {
                int x = ox + kx - 1;
                if (x < 0 || x >= _width)
                    continue;
                positions[count] = y * _width + x;
                taps[count++] = ky * 3 + kx;
            }
        }
        return count;
    }

    /// <summary>
    /// For the mask walks: the mask index (input position · words) and the weight row offset (tap · O padded) of each
    /// in-bounds tap of <paramref name="output"/>; returns how many. Interior positions (all but the map's border) add
    /// their position to offsets computed once, instead of listing positions and taps and scaling both per position.
    /// </summary>
    private int TapOffsets(int output, Span<int> maskIndex, Span<int> rowOffset)
    {
        int oy = output / _width, ox = output - oy * _width, words = MaskWords;
        if (oy > 0 && oy < _height - 1 && ox > 0 && ox < _width - 1)
        {
            int self = output * words;
            for (int tap = 0; tap < 9; tap++)
                maskIndex[tap] = self + _interiorMaskOffsets[tap];
            _interiorRowOffsets.CopyTo(rowOffset);
            return 9;
        }
        int count = InBoundsTaps(output, maskIndex, rowOffset);
        for (int t = 0; t < count; t++)
        {
            maskIndex[t] *= words;
            rowOffset[t] *= _padded;
        }
        return count;
    }

    /// <summary>
    /// The event pass for spike inputs (every value 1) without event lists: each input position gets a bit mask of its
    /// spiking channels, and each output position walks the masks under its in-bounds taps with tzcnt, adding the rows
    /// (c·9 + tap) straight into i16 registers (64 outputs per two 512-bit registers, widened every
    /// <paramref name="group"/> events), 16 positions per tile as the list-driven pass. Skipping the bucketing and the
    /// per-tap segment lists measured 5–8 % faster on the microcontroller model's 8 × 8 convs (bound by the row adds) and
    /// 18–23 % on 2-256's, whose 64–256 input channels paid the bucketing per event.
    /// When the last step also ran this pass, a tile whose inputs changed less than they spike takes the temporal delta
    /// instead (<see cref="TemporalMasks"/>): its accumulators start from the last step's output, read back out of the
    /// [O, H, W] planes, and walk only the changed bits, adding the rows of new spikes and subtracting those of ended ones.
    /// </summary>
    private void SpikeEvents(Workspace ws, TemporalMasks temporal, int[] acc, int group, bool delta)
    {
        int positions = _height * _width, padded = _padded, words = MaskWords;
        ReadOnlySpan<ulong> masks = temporal.Current, previous = delta ? temporal.Previous : default;
        Span<int> spiking = ws.IntTemp.AsSpan(ChangeBase, positions), changed = ws.IntTemp.AsSpan(ChangeBase + positions, positions);
        Span<int> tile = ws.IntTemp.AsSpan(0, PositionTile * padded);
        Span<int> taps = stackalloc int[9];
        Span<int> tapRows = stackalloc int[9];
        Span<int> list = ws.Private[Index].AsSpan(ScatterInts);
        for (int first = 0; first < positions; first += PositionTile)
        {
            int tiled = Math.Min(PositionTile, positions - first);
            var (fromLast, flatList) = delta ? TileDelta(first, tiled, spiking, changed) : (false, false);
            if (fromLast)
                RowKernels.UntransposeTile(acc, positions, first, tiled, _outChannels, tile, padded, _level);
            for (int i = 0; i < tiled; i++)
            {
                int count = TapOffsets(first + i, taps, tapRows);
                Span<int> target = tile.Slice(i * padded, padded);
                int o = 0;
                if (fromLast && flatList)
                {
                    int changes = ChangeList(masks, previous, words, taps[..count], tapRows[..count], list);
                    for (; o + 128 <= padded; o += 128)
                        ChangedRows128(list[..changes], o, target, group);
                    for (; o + 64 <= padded; o += 64)
                        ChangedRows64(list[..changes], o, target, group);
                    if (o < padded)
                        ChangedRows32(list[..changes], o, target, group);
                    continue;
                }
                if (fromLast)
                {
                    for (; o + 128 <= padded; o += 128)
                        DeltaRows128(masks, previous, words, taps[..count], tapRows[..count], o, target, group);
                    for (; o + 64 <= padded; o += 64)
                        DeltaRows64(masks, previous, words, taps[..count], tapRows[..count], o, target, group);
                    if (o < padded)
                        DeltaRows32(masks, previous, words, taps[..count], tapRows[..count], o, target, group);
                    continue;
                }
                _bias.CopyTo(target);
                for (; o + 128 <= padded; o += 128)
                    MaskRows128(masks, words, taps[..count], tapRows[..count], o, target, group);
                for (; o + 64 <= padded; o += 64)
                    MaskRows64(masks, words, taps[..count], tapRows[..count], o, target, group);
                if (o < padded)
                    MaskRows32(masks, words, taps[..count], tapRows[..count], o, target, group);
            }
            RowKernels.TransposeTile(tile, tiled, padded, _outChannels, acc, positions, first, _level);
        }
        temporal.Advance();
    }

    /// <summary>The positions of each channel's events (nonzero inputs), channel after channel; returns how many.</summary>
    private int EventPositions(byte[] input, Span<int> eventPosition, Span<int> channelStart)
    {
        int positions = _height * _width, total = 0;
        for (int c = 0; c < _channels; c++)
        {
            channelStart[c] = total;
            total += RowKernels.Nonzeros(input.AsSpan(c * positions, positions), 0, eventPosition[total..]);
        }
        channelStart[_channels] = total;
        return total;
    }

    /// <summary>
    /// masks[p · words + c / 64] bit c % 64: channel c spikes at position p, from each 64-position run's nonzero bits
    /// (one compare) without an event list; returns the number of spikes.
    /// </summary>
    private int BuildMasks(Span<ulong> masks, byte[] input)
    {
        int words = MaskWords, positions = _height * _width, total = 0;
        masks.Clear();
        ref byte in0 = ref MemoryMarshal.GetArrayDataReference(input);
        for (int c = 0; c < _channels; c++)
        {
            ulong bit = 1UL << (c & 63);
            int word = c >> 6;
            ref byte plane = ref Unsafe.Add(ref in0, c * positions);
            for (int first = 0; first < positions; first += 64)
            {
                ulong nonzero = first + 64 <= positions
                    ? ~Vector512.Equals(Vector512.LoadUnsafe(ref plane, (nuint)first), Vector512<byte>.Zero).ExtractMostSignificantBits()
                    : TailNonzeros(ref Unsafe.Add(ref plane, first), positions - first);
                total += BitOperations.PopCount(nonzero);
                for (; nonzero != 0; nonzero &= nonzero - 1)
                    masks[(first + BitOperations.TrailingZeroCount(nonzero)) * words + word] |= bit;
            }
        }
        return total;
    }

    /// <summary>The nonzero bits of the last <paramref name="count"/> (&lt; 64) positions of a plane, one byte at a time.</summary>
    private static ulong TailNonzeros(ref byte first, int count)
    {
        ulong bits = 0;
        for (int i = 0; i < count; i++)
            bits |= (Unsafe.Add(ref first, i) != 0 ? 1UL : 0) << i;
        return bits;
    }

    /// <summary>
    /// Per input position, its spikes and (given the last step's masks) its changes since then, into the i32 scratch at
    /// <see cref="ChangeBase"/>; returns the rows the events add over the whole map (spikes × in-bounds taps: the
    /// counters' updates per output channel) and the rows the temporal delta would add (changes × in-bounds taps, plus
    /// reading every tile's accumulators back, <see cref="UntransposeEvents"/>), or long.MaxValue without last masks.
    /// </summary>
    private (long Events, long Delta) MaskCounts(Workspace ws, TemporalMasks temporal, bool delta)
    {
        int positions = _height * _width, words = MaskWords;
        ReadOnlySpan<ulong> masks = temporal.Current, previous = temporal.Previous;
        Span<int> spiking = ws.IntTemp.AsSpan(ChangeBase, positions), changed = ws.IntTemp.AsSpan(ChangeBase + positions, positions);
        long rows = 0, deltaRows = (long)UntransposeEvents * ((positions + PositionTile - 1) / PositionTile);
        if (words == 1)
        {
            // One word per position (up to 64 channels): two popcounts, no span slicing per position.
            for (int p = 0; p < positions; p++)
            {
                int ones = BitOperations.PopCount(masks[p]), flips = BitOperations.PopCount(masks[p] ^ previous[p]);
                (spiking[p], changed[p]) = (ones, flips);
                rows += (long)ones * _taps[p];
                deltaRows += (long)flips * _taps[p];
            }
            return (rows, delta ? deltaRows : long.MaxValue);
        }
        for (int p = 0; p < positions; p++)
        {
            var (ones, flips) = TemporalMasks.Compare(masks.Slice(p * words, words), previous.Slice(p * words, words));
            (spiking[p], changed[p]) = (ones, flips);
            rows += (long)ones * _taps[p];
            deltaRows += (long)flips * _taps[p];
        }
        return (rows, delta ? deltaRows : long.MaxValue);
    }

    /// <summary>
    /// Whether the tile of <paramref name="count"/> output positions at <paramref name="first"/> takes the temporal delta,
    /// and if so, whether it walks one <see cref="ChangeList"/> per position rather than a bit loop per tap; one pass
    /// over the tile's spike and change counts decides both.
    /// <para>
    /// The delta pays when the changes minus the spikes at those positions, times the 9 taps that read each (the windows
    /// reach one position further; the tile's own positions stand for them), plus reading the tile's accumulators back
    /// (<see cref="UntransposeEvents"/>), is negative (or when tests force it).
    /// </para>
    /// <para>
    /// The flat list pays when the inputs changed in fewer than <see cref="FlatListChanges"/> channels per position,
    /// where the per-tap loops are short and their exits mispredict. With more changes the list's compressed stores cost
    /// more than they save (2-256's 64-channel conv, about 9 changes per position, 6.8 → 7.9 ms with the list everywhere;
    /// its 32-channel conv, 4.5, 13.3 → 12.2 ms; the microcontroller model's 16-channel conv, 1.3, 0.062 → 0.048 ms).
    /// </para>
    /// </summary>
    private (bool Delta, bool FlatList) TileDelta(int first, int count, ReadOnlySpan<int> spiking, ReadOnlySpan<int> changed)
    {
        int spikes = 0, changes = 0;
        for (int i = first; i < first + count; i++)
        {
            spikes += spiking[i];
            changes += changed[i];
        }
        bool delta = _delta == TemporalDelta.Always || 9 * (spikes - changes) > UntransposeEvents;
        return (delta, delta && changes < FlatListChanges * count);
    }

    private const int FlatListChanges = 6;

    /// <summary>
    /// <see cref="MaskRows64"/> for 128 outputs in four registers: convs with 128 or more output channels walk each
    /// position's bits once per 128 outputs instead of once per 64.
    /// </summary>
    private void MaskRows128(ReadOnlySpan<ulong> masks, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default, n2 = default, n3 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong spikes = masks[taps[t] + word];
                if ((left -= BitOperations.PopCount(spikes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    WidenInto(ref t0, 32, ref n1);
                    WidenInto(ref t0, 64, ref n2);
                    WidenInto(ref t0, 96, ref n3);
                    left = group - BitOperations.PopCount(spikes);
                }
                for (ulong bits = spikes; bits != 0; bits &= bits - 1)
                {
                    ref sbyte row = ref Unsafe.Add(ref wordBase, BitOperations.TrailingZeroCount(bits) * channelStride);
                    n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                    n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                    n2 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64));
                    n3 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96));
                }
            }
        }
        WidenInto(ref t0, 0, ref n0);
        WidenInto(ref t0, 32, ref n1);
        WidenInto(ref t0, 64, ref n2);
        WidenInto(ref t0, 96, ref n3);
    }

    /// <summary>
    /// Adds into <paramref name="target"/>[o..o+64) the rows of the spikes under <paramref name="taps"/>. The i16 sums are
    /// widened before a mask word whose spikes would take them past <paramref name="group"/> rows (≥ 255 for spikes, so a
    /// word's 64 always fit): one popcount per word instead of a countdown per row (in a stand-alone loop the countdown cost
    /// 40 % of the row add; in the simulator the difference was within the noise).
    /// </summary>
    private void MaskRows64(ReadOnlySpan<ulong> masks, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong spikes = masks[taps[t] + word];
                if ((left -= BitOperations.PopCount(spikes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    WidenInto(ref t0, 32, ref n1);
                    left = group - BitOperations.PopCount(spikes);
                }
                for (ulong bits = spikes; bits != 0; bits &= bits - 1)
                {
                    ref sbyte row = ref Unsafe.Add(ref wordBase, BitOperations.TrailingZeroCount(bits) * channelStride);
                    n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                    n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                }
            }
        }
        WidenInto(ref t0, 0, ref n0);
        WidenInto(ref t0, 32, ref n1);
    }

    /// <summary><see cref="MaskRows64"/> for the last 32 outputs.</summary>
    private void MaskRows32(ReadOnlySpan<ulong> masks, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong spikes = masks[taps[t] + word];
                if ((left -= BitOperations.PopCount(spikes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    left = group - BitOperations.PopCount(spikes);
                }
                for (ulong bits = spikes; bits != 0; bits &= bits - 1)
                    n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref wordBase, BitOperations.TrailingZeroCount(bits) * channelStride)));
            }
        }
        WidenInto(ref t0, 0, ref n0);
    }

    /// <summary><see cref="DeltaRows64"/> for 128 outputs in four registers (see <see cref="MaskRows128"/>).</summary>
    private void DeltaRows128(ReadOnlySpan<ulong> masks, ReadOnlySpan<ulong> previous, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default, n2 = default, n3 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong now = masks[taps[t] + word], changes = now ^ previous[taps[t] + word];
                if ((left -= BitOperations.PopCount(changes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    WidenInto(ref t0, 32, ref n1);
                    WidenInto(ref t0, 64, ref n2);
                    WidenInto(ref t0, 96, ref n3);
                    left = group - BitOperations.PopCount(changes);
                }
                for (ulong bits = changes; bits != 0; bits &= bits - 1)
                {
                    int c = BitOperations.TrailingZeroCount(bits);
                    var sign = Vector512.Create((short)((int)(now >> c & 1) - 1));
                    ref sbyte row = ref Unsafe.Add(ref wordBase, c * channelStride);
                    n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0)) ^ sign) - sign;
                    n1 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32)) ^ sign) - sign;
                    n2 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64)) ^ sign) - sign;
                    n3 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96)) ^ sign) - sign;
                }
            }
        }
        WidenInto(ref t0, 0, ref n0);
        WidenInto(ref t0, 32, ref n1);
        WidenInto(ref t0, 64, ref n2);
        WidenInto(ref t0, 96, ref n3);
    }

    /// <summary>
    /// The temporal delta of <see cref="MaskRows64"/>: one walk over the bits that changed since the
    /// <paramref name="previous"/> step, each row added if the channel now spikes and subtracted if it stopped, by a
    /// sign broadcast from the bit ((r ⊕ s) − s with s = 0 or −1): a second walk for the ended spikes measured slower on
    /// 2-256's 32-channel conv, whose few changes per tap left it paying an extra mispredicted loop exit per tap.
    /// </summary>
    private void DeltaRows64(ReadOnlySpan<ulong> masks, ReadOnlySpan<ulong> previous, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong now = masks[taps[t] + word], changes = now ^ previous[taps[t] + word];
                if ((left -= BitOperations.PopCount(changes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    WidenInto(ref t0, 32, ref n1);
                    left = group - BitOperations.PopCount(changes);
                }
                for (ulong bits = changes; bits != 0; bits &= bits - 1)
                {
                    int c = BitOperations.TrailingZeroCount(bits);
                    var sign = Vector512.Create((short)((int)(now >> c & 1) - 1));
                    ref sbyte row = ref Unsafe.Add(ref wordBase, c * channelStride);
                    n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0)) ^ sign) - sign;
                    n1 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32)) ^ sign) - sign;
                }
            }
        }
        WidenInto(ref t0, 0, ref n0);
        WidenInto(ref t0, 32, ref n1);
    }

    /// <summary><see cref="DeltaRows64"/> for the last 32 outputs.</summary>
    private void DeltaRows32(ReadOnlySpan<ulong> masks, ReadOnlySpan<ulong> previous, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        int left = group, channelStride = 9 * _padded;
        for (int t = 0; t < taps.Length; t++)
        {
            ref sbyte tapBase = ref Unsafe.Add(ref w0, tapRows[t] + o);
            for (int word = 0; word < words; word++)
            {
                ref sbyte wordBase = ref Unsafe.Add(ref tapBase, word * 64 * channelStride);
                ulong now = masks[taps[t] + word], changes = now ^ previous[taps[t] + word];
                if ((left -= BitOperations.PopCount(changes)) < 0)
                {
                    WidenInto(ref t0, 0, ref n0);
                    left = group - BitOperations.PopCount(changes);
                }
                for (ulong bits = changes; bits != 0; bits &= bits - 1)
                {
                    int c = BitOperations.TrailingZeroCount(bits);
                    var sign = Vector512.Create((short)((int)(now >> c & 1) - 1));
                    n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref wordBase, c * channelStride))) ^ sign) - sign;
                }
            }
        }
        WidenInto(ref t0, 0, ref n0);
    }

    /// <summary>
    /// The temporal delta's rows for one output position, as one flat list: for every in-bounds tap and mask word, the
    /// channels whose spike changed since the <paramref name="previous"/> step, each entry the row's offset in
    /// <see cref="_rows"/> times two plus 1 if the spike ended (its row is subtracted). Sixteen channels at a time, without
    /// a branch per channel: the changed bits become a lane mask and <c>vpcompressd</c> packs those lanes' entries
    /// (16 are stored, the count advances by the popcount; <paramref name="list"/> has 16 entries of slack). Walking
    /// one list per position instead of one short bit loop per tap leaves one loop exit to mispredict instead of up to
    /// nine (see <see cref="TileDelta"/>). Returns the number of entries.
    /// </summary>
    private int ChangeList(ReadOnlySpan<ulong> masks, ReadOnlySpan<ulong> previous, int words, ReadOnlySpan<int> taps, ReadOnlySpan<int> tapRows, Span<int> list)
    {
        int channelStride = 9 * _padded, count = 0;
        ref int list0 = ref MemoryMarshal.GetReference(list);
        var laneRows = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * (2 * channelStride);
        var lanes = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        for (int t = 0; t < taps.Length; t++)
        {
            for (int word = 0; word < words; word++)
            {
                ulong now = masks[taps[t] + word], changes = now ^ previous[taps[t] + word];
                int chunks = (Math.Min(64, _channels - 64 * word) + 15) / 16;
                for (int chunk = 0; chunk < chunks; chunk++)
                {
                    int firstChannel = 64 * word + 16 * chunk;
                    int changed = (int)(changes >> (16 * chunk)) & 0xFFFF, ended = (int)(~now >> (16 * chunk)) & 0xFFFF;
                    var changedLanes = Vector512.Equals(Vector512.Create(changed) & lanes, lanes);
                    var endedLanes = Vector512.Equals(Vector512.Create(ended) & lanes, lanes);
                    var entries = (Vector512.Create(2 * (tapRows[t] + firstChannel * channelStride)) + laneRows) | (endedLanes & Vector512<int>.One);
                    Avx512F.Compress(Vector512<int>.Zero, changedLanes, entries).StoreUnsafe(ref list0, (nuint)count);
                    count += BitOperations.PopCount((uint)changed);
                }
            }
        }
        return count;
    }

    /// <summary>
    /// Adds the rows of a <see cref="ChangeList"/> to 128 outputs from <paramref name="o"/> in four i16 registers, each
    /// row added or subtracted by a sign broadcast from its entry ((r ⊕ s) − s, s = 0 or −1), widened into
    /// <paramref name="target"/> every <paramref name="group"/> rows.
    /// </summary>
    private void ChangedRows128(ReadOnlySpan<int> list, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default, n2 = default, n3 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_rows), o);
        for (int first = 0; first < list.Length; first += group)
        {
            foreach (int entry in list[first..Math.Min(list.Length, first + group)])
            {
                var sign = Vector512.Create((short)-(entry & 1));
                ref sbyte row = ref Unsafe.Add(ref w0, entry >> 1);
                n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0)) ^ sign) - sign;
                n1 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32)) ^ sign) - sign;
                n2 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64)) ^ sign) - sign;
                n3 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96)) ^ sign) - sign;
            }
            WidenInto(ref t0, 0, ref n0);
            WidenInto(ref t0, 32, ref n1);
            WidenInto(ref t0, 64, ref n2);
            WidenInto(ref t0, 96, ref n3);
        }
    }

    /// <summary><see cref="ChangedRows128"/> for 64 outputs in two registers.</summary>
    private void ChangedRows64(ReadOnlySpan<int> list, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default, n1 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_rows), o);
        for (int first = 0; first < list.Length; first += group)
        {
            foreach (int entry in list[first..Math.Min(list.Length, first + group)])
            {
                var sign = Vector512.Create((short)-(entry & 1));
                ref sbyte row = ref Unsafe.Add(ref w0, entry >> 1);
                n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0)) ^ sign) - sign;
                n1 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32)) ^ sign) - sign;
            }
            WidenInto(ref t0, 0, ref n0);
            WidenInto(ref t0, 32, ref n1);
        }
    }

    /// <summary><see cref="ChangedRows128"/> for the last 32 outputs.</summary>
    private void ChangedRows32(ReadOnlySpan<int> list, int o, Span<int> target, int group)
    {
        Vector512<short> n0 = default;
        ref int t0 = ref target[o];
        ref sbyte w0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_rows), o);
        for (int first = 0; first < list.Length; first += group)
        {
            foreach (int entry in list[first..Math.Min(list.Length, first + group)])
            {
                var sign = Vector512.Create((short)-(entry & 1));
                n0 += (Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref w0, entry >> 1))) ^ sign) - sign;
            }
            WidenInto(ref t0, 0, ref n0);
        }
    }

    /// <summary>
    /// Output positions per accumulator tile of the event pass: [16][O padded] i32 stays in L1 (16 KB at O = 256) while it
    /// is transposed into the [O, H, W] planes, where transposing one whole-map [P][O] buffer re-read it from L2 per channel.
    /// </summary>
    private const int PositionTile = 16;

    private const int RowAddCycles = 5, PositionCycles = 258, PlaneCycles = 20, VectorCycles = 4;

    /// <summary>Reading a tile's accumulators back for the delta, in events (each a 32-lane row add per 32 output channels; a 16 × 16 transpose per 16 channels).</summary>
    private const int UntransposeEvents = 16;

    /// <summary>
    /// The dense pass, for small channel counts and high firing rates: every input channel is widened once into an i16
    /// image with a zero border, flattened with row stride W + 2, so that tap (ky, kx) of every output position is one
    /// contiguous run of the image at offset ky·(W+2) + kx (the two border columns of each output row are computed and
    /// dropped). Each output channel sums W[o,c,tap] × that run in i16 lanes, widened into i32 every
    /// <paramref name="group"/> terms (exact, see <see cref="RowKernels.NarrowGroup"/>).
    /// </summary>
    private void Dense(Workspace ws, byte[] input, int[] acc, int group)
    {
        int positions = _height * _width, planeWidth = _planeWidth, planeLength = _planeLength, imageLength = _imageLength;
        Span<short> images = ws.ShortTemp.AsSpan(0, _channels * imageLength);
        images.Clear();
        for (int c = 0; c < _channels; c++)
        for (int y = 0; y < _height; y++)
            SpikeProducts.Widen(input.AsSpan((c * _height + y) * _width, _width), images.Slice(c * imageLength + (y + 1) * planeWidth + 1, _width));
        Span<int> wide = ws.IntTemp.AsSpan(0, planeLength);
        if (_level == SimdLevel.Avx512)
        {
            ref short images0 = ref MemoryMarshal.GetReference(images);
            for (int o = 0; o < _outChannels; o++)
            {
                wide.Fill(_bias[o]);
                ref short weights = ref _weights[o * _channels * 9];
                int t = 0;
                for (; t + 8 * 32 <= planeLength; t += 8 * 32)
                    Tile8(ref Unsafe.Add(ref images0, t), ref weights, ref wide[t], group);
                for (; t < planeLength; t += 32)
                    Tile1(ref Unsafe.Add(ref images0, t), ref weights, ref wide[t], group);
                CopyPlane(wide, acc.AsSpan(o * positions, positions));
            }
            return;
        }
        Span<short> narrow = ws.ShortTemp.AsSpan(_channels * imageLength, planeLength);
        for (int o = 0; o < _outChannels; o++)
        {
            wide.Fill(_bias[o]);
            narrow.Clear();
            int left = group;
            for (int c = 0; c < _channels; c++)
            for (int tap = 0; tap < 9; tap++)
            {
                short w = _weights[(o * _channels + c) * 9 + tap];
                if (w == 0)
                    continue;
                int offset = c * imageLength + tap / 3 * planeWidth + tap % 3;
                RowKernels.AddScaled(narrow, images.Slice(offset, planeLength), w, _level);
                if (--left == 0)
                {
                    RowKernels.WidenInto(wide, narrow, _level);
                    left = group;
                }
            }
            RowKernels.WidenInto(wide, narrow, _level);
            CopyPlane(wide, acc.AsSpan(o * positions, positions));
        }
    }

    /// <summary>Drops the two border columns of each row of a (W + 2)-strided plane.</summary>
    private void CopyPlane(ReadOnlySpan<int> wide, Span<int> plane)
    {
        for (int y = 0; y < _height; y++)
            wide.Slice(y * _planeWidth, _width).CopyTo(plane.Slice(y * _width, _width));
    }

    /// <summary>
    /// 256 positions of one output channel of the dense pass in eight i16 registers over every (c, tap): one broadcast
    /// weight and eight loads of the shifted image per term, no accumulator traffic, widened into <paramref name="wide"/>
    /// every <paramref name="group"/> terms. Reads stay inside each channel's image: t + 256 ≤ plane length.
    /// </summary>
    private void Tile8(ref short image, ref short weights, ref int wide, int group)
    {
        Vector512<short> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        int left = group, imageLength = _imageLength;
        for (int c = 0; c < _channels; c++)
        {
            ref short channel = ref Unsafe.Add(ref image, c * imageLength);
            for (int tap = 0; tap < 9; tap++)
            {
                var w = Vector512.Create(Unsafe.Add(ref weights, c * 9 + tap));
                ref short x = ref Unsafe.Add(ref channel, _tapOffsets[tap]);
                a0 += w * Vector512.LoadUnsafe(ref x, 0);
                a1 += w * Vector512.LoadUnsafe(ref x, 32);
                a2 += w * Vector512.LoadUnsafe(ref x, 64);
                a3 += w * Vector512.LoadUnsafe(ref x, 96);
                a4 += w * Vector512.LoadUnsafe(ref x, 128);
                a5 += w * Vector512.LoadUnsafe(ref x, 160);
                a6 += w * Vector512.LoadUnsafe(ref x, 192);
                a7 += w * Vector512.LoadUnsafe(ref x, 224);
                if (--left == 0)
                {
                    WidenInto(ref wide, 0, ref a0);
                    WidenInto(ref wide, 32, ref a1);
                    WidenInto(ref wide, 64, ref a2);
                    WidenInto(ref wide, 96, ref a3);
                    WidenInto(ref wide, 128, ref a4);
                    WidenInto(ref wide, 160, ref a5);
                    WidenInto(ref wide, 192, ref a6);
                    WidenInto(ref wide, 224, ref a7);
                    left = group;
                }
            }
        }
        WidenInto(ref wide, 0, ref a0);
        WidenInto(ref wide, 32, ref a1);
        WidenInto(ref wide, 64, ref a2);
        WidenInto(ref wide, 96, ref a3);
        WidenInto(ref wide, 128, ref a4);
        WidenInto(ref wide, 160, ref a5);
        WidenInto(ref wide, 192, ref a6);
        WidenInto(ref wide, 224, ref a7);
    }

    /// <summary>The last 32-position vectors of a plane, one at a time, as <see cref="Tile8"/>.</summary>
    private void Tile1(ref short image, ref short weights, ref int wide, int group)
    {
        Vector512<short> a0 = default;
        int left = group, imageLength = _imageLength;
        for (int c = 0; c < _channels; c++)
        {
            ref short channel = ref Unsafe.Add(ref image, c * imageLength);
            for (int tap = 0; tap < 9; tap++)
            {
                a0 += Vector512.Create(Unsafe.Add(ref weights, c * 9 + tap)) * Vector512.LoadUnsafe(ref Unsafe.Add(ref channel, _tapOffsets[tap]));
                if (--left == 0)
                {
                    WidenInto(ref wide, 0, ref a0);
                    left = group;
                }
            }
        }
        WidenInto(ref wide, 0, ref a0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidenInto(ref int wide, nuint offset, ref Vector512<short> narrow)
    {
        var (low, high) = Vector512.Widen(narrow);
        (Vector512.LoadUnsafe(ref wide, offset) + low).StoreUnsafe(ref wide, offset);
        (Vector512.LoadUnsafe(ref wide, offset + 16) + high).StoreUnsafe(ref wide, offset + 16);
        narrow = default;
    }

    /// <summary>
    /// Very sparse inputs (fewer than one event per <see cref="ScatterBelow"/> positions, e.g. a count-framed first layer
    /// at 2 %) are scattered one output row at a time: each event in the three input rows that reach output row r adds
    /// its value times the i8 row of its tap (widened to i32) into a [W][O padded] band that stays in L1 and is zero
    /// between rows (<see cref="OpKernel.PrivateInts"/>); the band then gets the bias, is transposed 16 positions at a time
    /// into the [O, H, W] planes and is zeroed. The output-stationary pass would spend its time visiting empty positions;
    /// scattering into the planes themselves cost a scalar read-modify-write per output channel and tap of every event in
    /// planes larger than L1, and a whole-map position-major buffer a round trip of it through L3.
    /// </summary>
    public const int ScatterBelow = 4;

    /// <summary>The scatter pass's [W][O padded] band and its per-channel event cursors, then the delta's <see cref="ChangeList"/> (9 taps × every mask bit, plus the 16 entries one compressed store may write past the last).</summary>
    public override int PrivateInts => ScatterInts + 9 * 64 * MaskWords + 16;

    /// <summary>The scatter pass's part of <see cref="PrivateInts"/>: its band, zero between steps, and its cursors.</summary>
    private int ScatterInts => _width * _padded + _channels;

    private void Scatter(Workspace ws, byte[] input, ReadOnlySpan<int> eventPosition, ReadOnlySpan<int> channelStart, int[] acc)
    {
        int positions = _height * _width, width = _width, padded = _padded;
        int[] band = ws.Private[Index]!;
        Span<int> cursor = band.AsSpan(width * padded, _channels);
        channelStart[.._channels].CopyTo(cursor);
        ref int b0 = ref MemoryMarshal.GetArrayDataReference(band);
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        for (int r = 0; r < _height; r++)
        {
            int above = (r - 1) * width, below = (r + 2) * width;
            for (int c = 0; c < _channels; c++)
            {
                ReadOnlySpan<byte> source = input.AsSpan(c * positions, positions);
                ref sbyte channel = ref Unsafe.Add(ref w0, c * 9 * padded);
                int e = cursor[c], end = channelStart[c + 1];
                while (e < end && eventPosition[e] < above)
                    e++;
                cursor[c] = e;
                for (; e < end && eventPosition[e] < below; e++)
                {
                    // Input (y, x) reaches output (r, x − kx + 1) through tap (y − r + 1, kx); columns past the border are skipped.
                    int p = eventPosition[e], y = p / width, x = p - y * width, value = source[p];
                    int kxFirst = x == width - 1 ? 1 : 0, kxEnd = x == 0 ? 2 : 3;
                    ref sbyte tapRow = ref Unsafe.Add(ref channel, (y - r + 1) * 3 * padded);
                    for (int kx = kxFirst; kx < kxEnd; kx++)
                        RowKernels.AddScaledRow(ref Unsafe.Add(ref b0, (x - kx + 1) * padded), ref Unsafe.Add(ref tapRow, kx * padded), padded, value, _level);
                }
            }
            for (int first = 0; first < width; first += PositionTile)
            {
                int tiled = Math.Min(PositionTile, width - first);
                Span<int> tile = band.AsSpan(first * padded, tiled * padded);
                for (int i = 0; i < tiled; i++)
                    RowKernels.AddRow(tile.Slice(i * padded, padded), _bias, _level);
                RowKernels.TransposeTile(tile, tiled, padded, _outChannels, acc, positions, r * width + first, _level);
                tile.Clear();
            }
        }
    }
}

/// <summary>
/// Linear over tokens. Each token's events (found with a nonzero mask) add i8 weight rows [I][O padded] through
/// <see cref="RowKernels.AccumulateSegments"/>, summing in i16 lanes as long as that is exact; with AVX-512 and O a multiple
/// of 32, spike steps take the bit-mask walk with the temporal delta per token where fewer inputs changed than spike
/// (<see cref="SpikeTokens"/>) and steps of counts the bit-plane walk (<see cref="BitPlaneTokens"/>), both summing i16
/// chunks of mask words widened into i32 (<see cref="ChunkWords"/>), so any I and any value take them.
/// No dense kernel: without an int8 dot-product instruction that .NET exposes on this CPU (no AVX-VNNI; .NET 10 has no AVX512-VNNI class), a
/// dense i16 product (vpmaddwd, 32 products per 512-bit instruction) does at least as many instructions per output as
/// adding the rows of the events (32 per instruction) at any density, and more below 100 %.
/// </summary>
internal sealed class LinearKernel : OpKernel
{
    private readonly LinearOp _op;
    private readonly int _tokens, _inFeatures, _outFeatures, _padded, _maxAbsWeight;
    private readonly sbyte[] _rows;   // [I][padded O]
    private readonly int[] _bias;     // [padded O]
    private readonly SimdLevel _level;
    private readonly TemporalDelta _delta;

    public LinearKernel(SpikeProgram program, LinearOp op, SimdLevel level, TemporalDelta delta)
    {
        _op = op;
        _level = level;
        _delta = delta;
        var shape = program.Buffers[op.Input].Shape;
        (_tokens, _inFeatures) = (shape[0], shape[1]);
        _outFeatures = program.Buffers[op.Output].Shape[1];
        _padded = RowKernels.Padded(_outFeatures);
        var weights = program.Tensors[op.Weights];
        _rows = new sbyte[_inFeatures * _padded];
        for (int o = 0; o < _outFeatures; o++)
        for (int i = 0; i < _inFeatures; i++)
        {
            int w = weights.Int8At(o * _inFeatures + i);
            _rows[i * _padded + o] = (sbyte)w;
            _maxAbsWeight = Math.Max(_maxAbsWeight, Math.Abs(w));
        }
        _bias = new int[_padded];
        if (op.Bias != Op.NoTensor)
        {
            for (int o = 0; o < _outFeatures; o++)
                _bias[o] = program.Tensors[op.Bias].Int32At(o);
        }
    }

    public override int DrivingBuffer => _op.Input;

    public override int EventScratch => _inFeatures;

    public override int IntScratch => _padded;

    /// <summary>The bit-plane pass keeps each token's spike mask for the next step's delta.</summary>
    public override int TemporalWords => BitPlanes ? _tokens * MaskWords : 0;

    private bool BitPlanes => _level == SimdLevel.Avx512 && _outFeatures == _padded;

    private int MaskWords => (_inFeatures + 63) / 64;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] input = ws.Bytes[_op.Input];
        int[] acc = ws.Ints[_op.Output];
        var temporal = ws.Temporal[Index];
        var (events, inputSum) = SpikeProducts.EventsAndSum(input);
        counters.Events = events;
        counters.InputSum = inputSum;
        counters.Updates = events * _outFeatures;
        counters.SynapticOps = inputSum * _outFeatures;
        if (BitPlanes)
        {
            int max = SpikeProducts.MaxOf(input);
            if (max <= 1)
            {
                SpikeTokens(temporal!, input, acc);
                return;
            }
            temporal!.Invalidate();
            BitPlaneTokens(input, acc, 32 - BitOperations.LeadingZeroCount((uint)max));
            return;
        }
        temporal?.Invalidate();
        Span<int> padded = ws.IntTemp.AsSpan(0, _padded);
        for (int n = 0; n < _tokens; n++)
        {
            int count = RowKernels.CollectEvents(input.AsSpan(n * _inFeatures, _inFeatures), _padded, 0, ws.Rows, ws.Values, out long sum, out int max);
            _bias.CopyTo(padded);
            ReadOnlySpan<Segment> all = [new Segment(0, count, 0)];
            RowKernels.AccumulateSegments(padded, _rows, ws.Rows, ws.Values, all, sum == count, RowKernels.NarrowGroup(_maxAbsWeight, max), _level);
            padded[.._outFeatures].CopyTo(acc.AsSpan(n * _outFeatures, _outFeatures));
        }
    }

    /// <summary>
    /// The whole step when O is a multiple of 32 and the values are counts (a residual add of spikes makes 0–2, a chain
    /// of them more): each token's values are split into <paramref name="planes"/> bit planes, each a nonzero mask (64
    /// bytes per compare) walked with tzcnt straight into i16 registers of up to 128 outputs, <see cref="ChunkWords"/> mask
    /// words at a time so that every i16 sum stays exact, each chunk widened into i32 registers that double between planes
    /// (Horner, highest plane first), then biased and stored into the token's output row: no event list, no multiply, no
    /// padded copy, no call chain per token. 2-256's q, k, v and fc1 read residual sums of 0–5 and took event lists with a
    /// multiply per row before the chunks (interleaved A/B: q, k, v 1.2–1.7 → 0.8–1.1 ms, the first fc1 4.6 → 3.6–3.9 ms).
    /// </summary>
    private void BitPlaneTokens(byte[] input, int[] acc, int planes)
    {
        int inFeatures = _inFeatures, outFeatures = _outFeatures, words = (inFeatures + 63) / 64;
        Span<ulong> mask = stackalloc ulong[Math.Max(1, planes * words)];
        mask = mask[..(planes * words)];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref int b0 = ref MemoryMarshal.GetArrayDataReference(_bias);
        for (int n = 0; n < _tokens; n++)
        {
            TokenPlanes(input.AsSpan(n * inFeatures, inFeatures), mask, words);
            PlanesRow(mask, default, words, ref w0, ref b0, ref acc[n * outFeatures]);
        }
    }

    /// <summary>
    /// One token's row of O outputs: <see cref="Planes128"/> per 128 outputs, then <see cref="Planes64"/> and
    /// <see cref="Planes32"/>, so the token's bits are walked once per register group (a 64-output linear walks them once,
    /// not twice).
    /// </summary>
    private void PlanesRow(ReadOnlySpan<ulong> mask, ReadOnlySpan<ulong> ended, int words, ref sbyte w0, ref int origin, ref int target)
    {
        int o = 0, outFeatures = _outFeatures, chunk = ChunkWords;
        for (; o + 128 <= outFeatures; o += 128)
            Planes128(mask, ended, words, chunk, ref Unsafe.Add(ref w0, o), ref Unsafe.Add(ref origin, o), ref Unsafe.Add(ref target, o));
        if (o + 64 <= outFeatures)
        {
            Planes64(mask, ended, words, chunk, ref Unsafe.Add(ref w0, o), ref Unsafe.Add(ref origin, o), ref Unsafe.Add(ref target, o));
            o += 64;
        }
        if (o < outFeatures)
            Planes32(mask, ended, words, chunk, ref Unsafe.Add(ref w0, o), ref Unsafe.Add(ref origin, o), ref Unsafe.Add(ref target, o));
    }

    /// <summary>
    /// Mask words whose rows one i16 sum may take: 64 inputs per word, each adding (or, in the delta, subtracting) one row
    /// of |w| ≤ max|w| per bit plane, so a chunk's sum stays inside int16 whatever the values are (4 words under |w| ≤ 127).
    /// </summary>
    private int ChunkWords => Math.Max(1, short.MaxValue / (64 * Math.Max(1, _maxAbsWeight)));

    /// <summary>
    /// <see cref="BitPlaneTokens"/> for spikes (one plane), keeping every token's mask: when the last step also ran this
    /// pass, a token whose inputs changed less than they spike takes the temporal delta (<see cref="TemporalMasks"/>),
    /// starting from its last output and adding the rows of new spikes, subtracting those of ended ones. Every partial
    /// i16 sum is a sum of at most 64 terms |w| ≤ max|w| per mask word of its chunk (<see cref="ChunkWords"/>): inside
    /// int16 whatever I is.
    /// </summary>
    private void SpikeTokens(TemporalMasks temporal, byte[] input, int[] acc)
    {
        int inFeatures = _inFeatures, outFeatures = _outFeatures, words = MaskWords;
        Span<ulong> masks = temporal.Current;
        bool delta = temporal.Valid && _delta != TemporalDelta.Never;
        ReadOnlySpan<ulong> previous = temporal.Previous;
        Span<ulong> started = stackalloc ulong[words], ended = stackalloc ulong[words];
        ref sbyte w0 = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref int b0 = ref MemoryMarshal.GetArrayDataReference(_bias);
        for (int n = 0; n < _tokens; n++)
        {
            Span<ulong> now = masks.Slice(n * words, words);
            TokenPlanes(input.AsSpan(n * inFeatures, inFeatures), now, words);
            scoped ReadOnlySpan<ulong> add = now, subtract = default;
            ref int target = ref acc[n * outFeatures];
            bool fromLast = false;
            if (delta)
            {
                ReadOnlySpan<ulong> before = previous.Slice(n * words, words);
                var (ones, flips) = TemporalMasks.Compare(now, before);
                fromLast = _delta == TemporalDelta.Always || flips < ones;
                if (fromLast)
                {
                    for (int word = 0; word < words; word++)
                    {
                        started[word] = now[word] & ~before[word];
                        ended[word] = before[word] & ~now[word];
                    }
                    add = started;
                    subtract = ended;
                }
            }
            PlanesRow(add, subtract, words, ref w0, ref fromLast ? ref target : ref b0, ref target);
        }
        temporal.Advance();
    }

    /// <summary>mask[b · words + i / 64] bit i % 64 = bit b of token[i].</summary>
    private static void TokenPlanes(ReadOnlySpan<byte> token, Span<ulong> mask, int words)
    {
        ref byte t0 = ref MemoryMarshal.GetReference(token);
        int planes = mask.Length / words;
        for (int b = 0; b < planes; b++)
        {
            var bit = Vector512.Create((byte)(1 << b));
            int i = 0;
            for (; i + 64 <= token.Length; i += 64)
                mask[b * words + (i >> 6)] = ~Vector512.Equals(Vector512.LoadUnsafe(ref t0, (nuint)i) & bit, Vector512<byte>.Zero).ExtractMostSignificantBits();
            if (i < token.Length)
            {
                ulong bits = 0;
                for (int j = i; j < token.Length; j++)
                    bits |= (ulong)((Unsafe.Add(ref t0, j) >> b) & 1) << (j - i);
                mask[b * words + (i >> 6)] = bits;
            }
        }
    }

    /// <summary>
    /// target[0..128) = origin[0..128) + Σ over planes b (highest first) 2^b · Σ rows of mask plane b's bits − Σ rows of
    /// <paramref name="ended"/>'s bits (only with one plane: the temporal delta), each plane summed in i16 <paramref name="chunk"/>
    /// mask words at a time and widened into the i32 registers that double between planes.
    /// </summary>
    private void Planes128(ReadOnlySpan<ulong> mask, ReadOnlySpan<ulong> ended, int words, int chunk, ref sbyte w, ref int origin, ref int target)
    {
        Vector512<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int stride = _padded;
        for (int plane = mask.Length / words - 1; plane >= 0; plane--)
        {
            s0 += s0;
            s1 += s1;
            s2 += s2;
            s3 += s3;
            s4 += s4;
            s5 += s5;
            s6 += s6;
            s7 += s7;
            for (int first = 0; first < words; first += chunk)
            {
                int last = Math.Min(words, first + chunk);
                Vector512<short> n0 = default, n1 = default, n2 = default, n3 = default;
                for (int word = first; word < last; word++)
                {
                    for (ulong bits = mask[plane * words + word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                        n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                        n2 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64));
                        n3 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96));
                    }
                }
                for (int word = first; word < Math.Min(last, ended.Length); word++)
                {
                    for (ulong bits = ended[word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                        n1 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                        n2 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64));
                        n3 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96));
                    }
                }
                RowKernels.Widen(n0, ref s0, ref s1);
                RowKernels.Widen(n1, ref s2, ref s3);
                RowKernels.Widen(n2, ref s4, ref s5);
                RowKernels.Widen(n3, ref s6, ref s7);
            }
        }
        StoreBiased(s0, s1, ref origin, ref target, 0);
        StoreBiased(s2, s3, ref origin, ref target, 32);
        StoreBiased(s4, s5, ref origin, ref target, 64);
        StoreBiased(s6, s7, ref origin, ref target, 96);
    }

    /// <summary><see cref="Planes128"/> for 64 outputs.</summary>
    private void Planes64(ReadOnlySpan<ulong> mask, ReadOnlySpan<ulong> ended, int words, int chunk, ref sbyte w, ref int origin, ref int target)
    {
        Vector512<int> s0 = default, s1 = default, s2 = default, s3 = default;
        int stride = _padded;
        for (int plane = mask.Length / words - 1; plane >= 0; plane--)
        {
            s0 += s0;
            s1 += s1;
            s2 += s2;
            s3 += s3;
            for (int first = 0; first < words; first += chunk)
            {
                int last = Math.Min(words, first + chunk);
                Vector512<short> n0 = default, n1 = default;
                for (int word = first; word < last; word++)
                {
                    for (ulong bits = mask[plane * words + word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                        n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                    }
                }
                for (int word = first; word < Math.Min(last, ended.Length); word++)
                {
                    for (ulong bits = ended[word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                        n1 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                    }
                }
                RowKernels.Widen(n0, ref s0, ref s1);
                RowKernels.Widen(n1, ref s2, ref s3);
            }
        }
        StoreBiased(s0, s1, ref origin, ref target, 0);
        StoreBiased(s2, s3, ref origin, ref target, 32);
    }

    /// <summary><see cref="Planes128"/> for 32 outputs.</summary>
    private void Planes32(ReadOnlySpan<ulong> mask, ReadOnlySpan<ulong> ended, int words, int chunk, ref sbyte w, ref int origin, ref int target)
    {
        Vector512<int> s0 = default, s1 = default;
        int stride = _padded;
        for (int plane = mask.Length / words - 1; plane >= 0; plane--)
        {
            s0 += s0;
            s1 += s1;
            for (int first = 0; first < words; first += chunk)
            {
                int last = Math.Min(words, first + chunk);
                Vector512<short> n0 = default;
                for (int word = first; word < last; word++)
                {
                    for (ulong bits = mask[plane * words + word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                    }
                }
                for (int word = first; word < Math.Min(last, ended.Length); word++)
                {
                    for (ulong bits = ended[word]; bits != 0; bits &= bits - 1)
                    {
                        ref sbyte row = ref Unsafe.Add(ref w, (word * 64 + BitOperations.TrailingZeroCount(bits)) * stride);
                        n0 -= Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                    }
                }
                RowKernels.Widen(n0, ref s0, ref s1);
            }
        }
        StoreBiased(s0, s1, ref origin, ref target, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBiased(Vector512<int> low, Vector512<int> high, ref int origin, ref int target, nuint offset)
    {
        (low + Vector512.LoadUnsafe(ref origin, offset)).StoreUnsafe(ref target, offset);
        (high + Vector512.LoadUnsafe(ref origin, offset + 16)).StoreUnsafe(ref target, offset + 16);
    }
}

/// <summary>
/// LIF over any shape, θ per channel along one axis. θ is expanded once to whole periods of the buffer (axis × inner
/// elements, repeated up to a few thousand), so the update is a few flat passes. With AVX-512 it runs 16 neurons at a time in int64 lanes (vpmullq for
/// the leak product, vpsraq for the rounding shift, vpmaxsq/vpminsq for sat32): the same int64 arithmetic as
/// <see cref="IntegerMath.LifStep"/>, which the scalar path and the tail call directly.
/// </summary>
internal sealed class LifKernel : OpKernel
{
    private readonly LifOp _op;
    private readonly int[] _thresholds;   // θ of every element of one period [axis, inner], or per channel for long runs
    private readonly int _run;            // > 0: neurons per channel run (θ constant over each run), else 0
    private readonly SimdLevel _level;

    public LifKernel(SpikeProgram program, LifOp op, SimdLevel level)
    {
        _op = op;
        _level = level;
        var shape = program.Buffers[op.Input].Shape;
        int axis = shape[op.ChannelAxis], inner = 1;
        for (int a = op.ChannelAxis + 1; a < shape.Length; a++)
            inner *= shape[a];
        var theta = program.Tensors[op.Thresholds];
        if (inner >= MinRun && inner % 16 == 0)
        {
            // A [C, H, W] map: θ is constant over each channel's H·W run, so each run compares against one broadcast θ
            // instead of streaming an expanded θ array as large as the map (runs of whole vectors: no vector straddles two).
            _run = inner;
            _thresholds = [.. Enumerable.Range(0, axis).Select(c => theta.Int32At(theta.Length == 1 ? 0 : c))];
            return;
        }
        // A period shorter than MinChunk (a token LIF's θ row of C) is repeated, so each kernel call covers many neurons.
        int period = axis * inner, length = (int)program.Buffers[op.Input].Length;
        int chunk = Math.Min(length, period * Math.Max(1, MinChunk / period));
        _thresholds = new int[chunk];
        for (int i = 0; i < chunk; i++)
            _thresholds[i] = theta.Int32At(theta.Length == 1 ? 0 : i % period / inner);
    }

    private const int MinChunk = 4096, MinRun = 64;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        int[] input = ws.Ints[_op.Input], membrane = ws.Ints[_op.Membrane];
        byte[] spikes = ws.Bytes[_op.Output];
        long fired = 0;
        if (_run > 0)
        {
            fired = _level == SimdLevel.Avx512
                ? NeuronKernels.LifAvx512Runs(input, membrane, spikes, _thresholds, _run, _op.Leak, _op.FractionalBits)
                : NeuronKernels.LifScalarRuns(input, membrane, spikes, _thresholds, _run, _op.Leak, _op.FractionalBits);
        }
        else
        {
            for (int start = 0; start < input.Length; start += _thresholds.Length)
            {
                int n = Math.Min(_thresholds.Length, input.Length - start);
                ReadOnlySpan<int> theta = _thresholds.AsSpan(0, n);
                fired += _level == SimdLevel.Avx512
                    ? NeuronKernels.LifAvx512(input.AsSpan(start, n), membrane.AsSpan(start, n), spikes.AsSpan(start, n), theta, _op.Leak, _op.FractionalBits)
                    : NeuronKernels.LifScalar(input.AsSpan(start, n), membrane.AsSpan(start, n), spikes.AsSpan(start, n), theta, _op.Leak, _op.FractionalBits);
            }
        }
        counters.NeuronUpdates = input.Length;
        counters.OutputSum = fired;
    }
}

/// <summary>
/// MaxPool 3×3/2/1, separably: the (up to) three input rows of an output row are max-ed a vector at a time into a row
/// with a zero on each side (padding is 0 for u8), then each output takes the max of three neighbours of it.
/// </summary>
internal sealed class MaxPoolKernel(SpikeProgram program, MaxPoolOp op, SimdLevel level) : OpKernel
{
    private readonly int[] _in = [.. program.Buffers[op.Input].Shape];
    private readonly int[] _out = [.. program.Buffers[op.Output].Shape];

    public override int ByteScratch => _in[2] + 2 + 32;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] input = ws.Bytes[op.Input], output = ws.Bytes[op.Output];
        int height = _in[1], width = _in[2], outHeight = _out[1], outWidth = _out[2];
        Span<byte> padded = ws.ByteTemp.AsSpan(0, width + 2 + 32);
        Span<byte> row = padded.Slice(1, width);
        padded[0] = padded[width + 1] = 0;
        int index = 0;
        for (int c = 0; c < _in[0]; c++)
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = Math.Max(0, 2 * oy - 1), y1 = Math.Min(height - 1, 2 * oy + 1);
            VerticalMax(input.AsSpan((c * height + y0) * width, (y1 - y0 + 1) * width), width, row, level);
            int ox = 0;
            if (level >= SimdLevel.Avx2)
            {
                // 16 outputs per step: the max of three shifted 32-byte loads holds output i in byte 2i; the even bytes are
                // narrowed out. Loads reach 33 bytes past 2·ox, inside the scratch's slack; only bytes ≤ W + 1 reach kept lanes.
                ref byte p0 = ref MemoryMarshal.GetReference(padded);
                for (; ox + 16 <= outWidth; ox += 16)
                {
                    var max = Vector256.Max(Vector256.Max(Vector256.LoadUnsafe(ref p0, (nuint)(2 * ox)), Vector256.LoadUnsafe(ref p0, (nuint)(2 * ox + 1))),
                        Vector256.LoadUnsafe(ref p0, (nuint)(2 * ox + 2)));
                    var even = max.AsUInt16() & Vector256.Create((ushort)0xFF);
                    Vector128.Narrow(even.GetLower(), even.GetUpper()).CopyTo(output.AsSpan(index));
                    index += 16;
                }
                // The same with 16-byte loads for 8 outputs (maps 16 wide after the first pools); loads reach 17 bytes past 2·ox.
                for (; ox + 8 <= outWidth; ox += 8)
                {
                    var max = Vector128.Max(Vector128.Max(Vector128.LoadUnsafe(ref p0, (nuint)(2 * ox)), Vector128.LoadUnsafe(ref p0, (nuint)(2 * ox + 1))),
                        Vector128.LoadUnsafe(ref p0, (nuint)(2 * ox + 2)));
                    var even = max.AsUInt16() & Vector128.Create((ushort)0xFF);
                    Unsafe.WriteUnaligned(ref output[index], Vector128.Narrow(even, even).AsUInt64().ToScalar());
                    index += 8;
                }
            }
            for (; ox < outWidth; ox++)
            {
                output[index++] = Math.Max(Math.Max(padded[2 * ox], padded[2 * ox + 1]), padded[2 * ox + 2]);
            }
        }
        // One vector pass over the pooled map: a horizontal sum per 16 outputs cost more than the pooling itself.
        counters.OutputSum = SpikeProducts.EventsAndSum(output).Sum;
    }

    /// <summary>
    /// The max of the one to three rows of <paramref name="rows"/> into <paramref name="target"/>, a vector of every row
    /// at a time: per-row span copies and calls cost more than the max itself on maps 16–32 wide.
    /// </summary>
    private static void VerticalMax(ReadOnlySpan<byte> rows, int width, Span<byte> target, SimdLevel level)
    {
        if (rows.Length == width)
        {
            rows.CopyTo(target);
            return;
        }
        ref byte r0 = ref MemoryMarshal.GetReference(rows);
        ref byte t0 = ref MemoryMarshal.GetReference(target);
        bool three = rows.Length == 3 * width;
        int i = 0;
        if (level >= SimdLevel.Avx2)
        {
            for (; i + 32 <= width; i += 32)
            {
                var max = Vector256.Max(Vector256.LoadUnsafe(ref r0, (nuint)i), Vector256.LoadUnsafe(ref r0, (nuint)(width + i)));
                if (three)
                    max = Vector256.Max(max, Vector256.LoadUnsafe(ref r0, (nuint)(2 * width + i)));
                max.StoreUnsafe(ref t0, (nuint)i);
            }
            for (; i + 16 <= width; i += 16)
            {
                var max = Vector128.Max(Vector128.LoadUnsafe(ref r0, (nuint)i), Vector128.LoadUnsafe(ref r0, (nuint)(width + i)));
                if (three)
                    max = Vector128.Max(max, Vector128.LoadUnsafe(ref r0, (nuint)(2 * width + i)));
                max.StoreUnsafe(ref t0, (nuint)i);
            }
        }
        for (; i < width; i++)
        {
            byte max = Math.Max(rows[i], rows[width + i]);
            target[i] = three ? Math.Max(max, rows[2 * width + i]) : max;
        }
    }
}

/// <summary>
/// ToTokens, [C, H·W] → [H·W, C] bytes: 16 × 16 tiles transposed in registers (with AVX2 or better), the channels and
/// positions past the last whole tile byte by byte.
/// </summary>
internal sealed class ToTokensKernel(SpikeProgram program, ToTokensOp op, SimdLevel level) : OpKernel
{
    private readonly int[] _in = [.. program.Buffers[op.Input].Shape];

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] input = ws.Bytes[op.Input], output = ws.Bytes[op.Output];
        int channels = _in[0], positions = _in[1] * _in[2];
        ref byte i0 = ref MemoryMarshal.GetArrayDataReference(input);
        ref byte o0 = ref MemoryMarshal.GetArrayDataReference(output);
        int tiledChannels = 0, tiledPositions = 0;
        if (level >= SimdLevel.Avx2 && Sse2.IsSupported)
        {
            (tiledChannels, tiledPositions) = (channels & ~15, positions & ~15);
            for (int c = 0; c < tiledChannels; c += 16)
            for (int p = 0; p < tiledPositions; p += 16)
                Transpose16x16(ref Unsafe.Add(ref i0, c * positions + p), positions, ref Unsafe.Add(ref o0, p * channels + c), channels);
        }
        for (int c = 0; c < channels; c++)
        {
            ref byte plane = ref Unsafe.Add(ref i0, c * positions);
            ref byte column = ref Unsafe.Add(ref o0, c);
            // Inside the tiled channels only the positions past the last tile are left.
            for (int p = c < tiledChannels ? tiledPositions : 0; p < positions; p++)
                Unsafe.Add(ref column, p * channels) = Unsafe.Add(ref plane, p);
        }
        counters.OutputSum = SpikeProducts.EventsAndSum(input).Sum;
    }

    /// <summary>
    /// 16 rows of 16 bytes (16 channels × 16 positions) to 16 rows of 16 (positions × channels) in registers: four rounds
    /// of unpacks (8-, 16-, 32-, 64-bit), each round pairing the rows that hold the next wider group of channels for the
    /// same positions. 64 unpacks per 256 bytes instead of 256 strided byte stores.
    /// </summary>
    private static void Transpose16x16(ref byte source, int sourceStride, ref byte target, int targetStride)
    {
        // Round 1: b[2i] holds channels 2i, 2i+1 of positions 0–7 (one 16-bit pair per position), b[2i+1] of positions 8–15.
        var (b0, b1) = Pairs(Row(ref source, sourceStride, 0), Row(ref source, sourceStride, 1));
        var (b2, b3) = Pairs(Row(ref source, sourceStride, 2), Row(ref source, sourceStride, 3));
        var (b4, b5) = Pairs(Row(ref source, sourceStride, 4), Row(ref source, sourceStride, 5));
        var (b6, b7) = Pairs(Row(ref source, sourceStride, 6), Row(ref source, sourceStride, 7));
        var (b8, b9) = Pairs(Row(ref source, sourceStride, 8), Row(ref source, sourceStride, 9));
        var (b10, b11) = Pairs(Row(ref source, sourceStride, 10), Row(ref source, sourceStride, 11));
        var (b12, b13) = Pairs(Row(ref source, sourceStride, 12), Row(ref source, sourceStride, 13));
        var (b14, b15) = Pairs(Row(ref source, sourceStride, 14), Row(ref source, sourceStride, 15));
        // Round 2: four channels per 32-bit group, four positions per register.
        var c0 = Sse2.UnpackLow(b0, b2).AsUInt32();     // channels 0–3, positions 0–3
        var c1 = Sse2.UnpackHigh(b0, b2).AsUInt32();    // channels 0–3, positions 4–7
        var c2 = Sse2.UnpackLow(b4, b6).AsUInt32();     // channels 4–7, positions 0–3
        var c3 = Sse2.UnpackHigh(b4, b6).AsUInt32();
        var c4 = Sse2.UnpackLow(b8, b10).AsUInt32();    // channels 8–11
        var c5 = Sse2.UnpackHigh(b8, b10).AsUInt32();
        var c6 = Sse2.UnpackLow(b12, b14).AsUInt32();   // channels 12–15
        var c7 = Sse2.UnpackHigh(b12, b14).AsUInt32();
        var c8 = Sse2.UnpackLow(b1, b3).AsUInt32();     // channels 0–3, positions 8–11
        var c9 = Sse2.UnpackHigh(b1, b3).AsUInt32();    // channels 0–3, positions 12–15
        var c10 = Sse2.UnpackLow(b5, b7).AsUInt32();
        var c11 = Sse2.UnpackHigh(b5, b7).AsUInt32();
        var c12 = Sse2.UnpackLow(b9, b11).AsUInt32();
        var c13 = Sse2.UnpackHigh(b9, b11).AsUInt32();
        var c14 = Sse2.UnpackLow(b13, b15).AsUInt32();
        var c15 = Sse2.UnpackHigh(b13, b15).AsUInt32();
        // Round 3: eight channels per 64-bit group, two positions per register.
        var d0 = Sse2.UnpackLow(c0, c2).AsUInt64();     // channels 0–7, positions 0–1
        var d1 = Sse2.UnpackHigh(c0, c2).AsUInt64();    // channels 0–7, positions 2–3
        var d2 = Sse2.UnpackLow(c4, c6).AsUInt64();     // channels 8–15, positions 0–1
        var d3 = Sse2.UnpackHigh(c4, c6).AsUInt64();
        var d4 = Sse2.UnpackLow(c1, c3).AsUInt64();     // channels 0–7, positions 4–5
        var d5 = Sse2.UnpackHigh(c1, c3).AsUInt64();
        var d6 = Sse2.UnpackLow(c5, c7).AsUInt64();
        var d7 = Sse2.UnpackHigh(c5, c7).AsUInt64();
        var d8 = Sse2.UnpackLow(c8, c10).AsUInt64();    // channels 0–7, positions 8–9
        var d9 = Sse2.UnpackHigh(c8, c10).AsUInt64();
        var d10 = Sse2.UnpackLow(c12, c14).AsUInt64();
        var d11 = Sse2.UnpackHigh(c12, c14).AsUInt64();
        var d12 = Sse2.UnpackLow(c9, c11).AsUInt64();   // channels 0–7, positions 12–13
        var d13 = Sse2.UnpackHigh(c9, c11).AsUInt64();
        var d14 = Sse2.UnpackLow(c13, c15).AsUInt64();
        var d15 = Sse2.UnpackHigh(c13, c15).AsUInt64();
        // Round 4: all 16 channels of one position per register.
        StoreRow(ref target, targetStride, 0, Sse2.UnpackLow(d0, d2));
        StoreRow(ref target, targetStride, 1, Sse2.UnpackHigh(d0, d2));
        StoreRow(ref target, targetStride, 2, Sse2.UnpackLow(d1, d3));
        StoreRow(ref target, targetStride, 3, Sse2.UnpackHigh(d1, d3));
        StoreRow(ref target, targetStride, 4, Sse2.UnpackLow(d4, d6));
        StoreRow(ref target, targetStride, 5, Sse2.UnpackHigh(d4, d6));
        StoreRow(ref target, targetStride, 6, Sse2.UnpackLow(d5, d7));
        StoreRow(ref target, targetStride, 7, Sse2.UnpackHigh(d5, d7));
        StoreRow(ref target, targetStride, 8, Sse2.UnpackLow(d8, d10));
        StoreRow(ref target, targetStride, 9, Sse2.UnpackHigh(d8, d10));
        StoreRow(ref target, targetStride, 10, Sse2.UnpackLow(d9, d11));
        StoreRow(ref target, targetStride, 11, Sse2.UnpackHigh(d9, d11));
        StoreRow(ref target, targetStride, 12, Sse2.UnpackLow(d12, d14));
        StoreRow(ref target, targetStride, 13, Sse2.UnpackHigh(d12, d14));
        StoreRow(ref target, targetStride, 14, Sse2.UnpackLow(d13, d15));
        StoreRow(ref target, targetStride, 15, Sse2.UnpackHigh(d13, d15));
    }

    /// <summary>Bytes of rows <paramref name="even"/> and <paramref name="odd"/> interleaved: 16-bit pairs of positions 0–7, then 8–15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<ushort> Low, Vector128<ushort> High) Pairs(Vector128<byte> even, Vector128<byte> odd) =>
        (Sse2.UnpackLow(even, odd).AsUInt16(), Sse2.UnpackHigh(even, odd).AsUInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Row(ref byte source, int stride, int row) => Vector128.LoadUnsafe(ref source, (nuint)(row * stride));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref byte target, int stride, int row, Vector128<ulong> value) =>
        value.AsByte().StoreUnsafe(ref target, (nuint)(row * stride));
}

/// <summary>
/// Residual add, u8 saturating: 64 (or 32) bytes per vpaddusb, their sum taken with vpsadbw against zero (eight 64-bit
/// partial sums per vector), the tail scalar.
/// </summary>
internal sealed class AddKernel(AddOp op, SimdLevel level) : OpKernel
{
    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] left = ws.Bytes[op.Left], right = ws.Bytes[op.Right], output = ws.Bytes[op.Output];
        ref byte l0 = ref MemoryMarshal.GetArrayDataReference(left);
        ref byte r0 = ref MemoryMarshal.GetArrayDataReference(right);
        ref byte o0 = ref MemoryMarshal.GetArrayDataReference(output);
        long sum = 0;
        int i = 0;
        if (level == SimdLevel.Avx512)
        {
            var sums = Vector512<ulong>.Zero;
            for (; i + 64 <= output.Length; i += 64)
            {
                var value = Avx512BW.AddSaturate(Vector512.LoadUnsafe(ref l0, (nuint)i), Vector512.LoadUnsafe(ref r0, (nuint)i));
                value.StoreUnsafe(ref o0, (nuint)i);
                sums += Avx512BW.SumAbsoluteDifferences(value, Vector512<byte>.Zero).AsUInt64();
            }
            sum = (long)Vector512.Sum(sums);
        }
        else if (level == SimdLevel.Avx2)
        {
            var sums = Vector256<ulong>.Zero;
            for (; i + 32 <= output.Length; i += 32)
            {
                var value = Avx2.AddSaturate(Vector256.LoadUnsafe(ref l0, (nuint)i), Vector256.LoadUnsafe(ref r0, (nuint)i));
                value.StoreUnsafe(ref o0, (nuint)i);
                sums += Avx2.SumAbsoluteDifferences(value, Vector256<byte>.Zero).AsUInt64();
            }
            sum = (long)Vector256.Sum(sums);
        }
        for (; i < output.Length; i++)
        {
            byte value = IntegerMath.AddSaturating(left[i], right[i]);
            output[i] = value;
            sum += value;
        }
        counters.OutputSum = sum;
    }
}

/// <summary>Shared geometry of the four attention products over tokens [N, C] with h heads of d channels.</summary>
internal abstract class AttentionKernel : OpKernel
{
    protected AttentionKernel(SpikeProgram program, int tokensBuffer, int heads)
    {
        var shape = program.Buffers[tokensBuffer].Shape;
        (Tokens, Channels) = (shape[0], shape[1]);
        Heads = heads;
        Depth = Channels / heads;
    }

    protected int Tokens { get; }

    protected int Channels { get; }

    protected int Heads { get; }

    protected int Depth { get; }

    /// <summary>Counts the events of a u8 [N, C] driver: every event reaches <paramref name="fanOut"/> targets.</summary>
    protected static void CountEvents(ReadOnlySpan<byte> driver, int fanOut, ref StepCounters counters)
    {
        var (events, sum) = SpikeProducts.EventsAndSum(driver);
        counters.Events = events;
        counters.InputSum = sum;
        counters.Updates = events * fanOut;
        counters.SynapticOps = sum * fanOut;
    }

    /// <summary>Widens a u8 [N, C] matrix to i16, transposed to [C, N] when asked, so its rows can be added as weight rows.</summary>
    protected static void Widen(ReadOnlySpan<byte> source, Span<short> target, int rows, int columns, bool transpose)
    {
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < columns; c++)
            target[transpose ? c * rows + r : r * columns + c] = source[r * columns + c];
    }
}

/// <summary>
/// counts[g,n,m] = Σ_j q[n,g·d+j]·k[m,g·d+j]. When q and k are spikes (0/1) and a head has d ≤ 64 channels, the whole
/// step is popcount(q mask ∧ k mask) per (n, m); otherwise each q event adds the row k[·, c] (K transposed) of N
/// coincidences.
/// </summary>
internal sealed class MatMulQKKernel(SpikeProgram program, MatMulQKOp op, SimdLevel level) : AttentionKernel(program, op.Query, op.Heads)
{
    public override int DrivingBuffer => op.Query;

    public override int EventScratch => Depth;

    public override int ShortScratch => Tokens * Channels;

    public override int IntScratch => 2 * (2 * Heads * Tokens + SpikeProducts.RowWords(Channels));

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] q = ws.Bytes[op.Query], k = ws.Bytes[op.Key];
        int[] output = ws.Ints[op.Output];
        CountEvents(q, Tokens, ref counters);
        if (Depth <= SpikeProducts.MaxMaskDepth && counters.Events == counters.InputSum && IsBinary(k))
        {
            Span<ulong> masks = MemoryMarshal.Cast<int, ulong>(ws.IntTemp.AsSpan(0, IntScratch));
            Span<ulong> queryMasks = masks[..(Heads * Tokens)], keyMasks = masks.Slice(Heads * Tokens, Heads * Tokens);
            Span<ulong> words = masks[(2 * Heads * Tokens)..];
            SpikeProducts.HeadMasks(q, Tokens, Channels, Heads, queryMasks, words, level);
            SpikeProducts.HeadMasks(k, Tokens, Channels, Heads, keyMasks, words, level);
            SpikeProducts.Coincidences(queryMasks, keyMasks, Tokens, Heads, output, level);
            return;
        }
        Span<short> keyT = ws.ShortTemp.AsSpan(0, Tokens * Channels);
        Widen(k, keyT, Tokens, Channels, transpose: true);
        for (int n = 0; n < Tokens; n++)
        for (int g = 0; g < Heads; g++)
        {
            int count = RowKernels.CollectEvents(q.AsSpan(n * Channels + g * Depth, Depth), Tokens, g * Depth * Tokens, ws.Rows, ws.Values, out long sum, out _);
            Span<int> target = output.AsSpan((g * Tokens + n) * Tokens, Tokens);
            target.Clear();
            RowKernels.AccumulateRows(target, keyT, ws.Rows.AsSpan(0, count), ws.Values.AsSpan(0, count), sum == count);
        }
    }

    private static bool IsBinary(ReadOnlySpan<byte> spikes)
    {
        var (events, sum) = SpikeProducts.EventsAndSum(spikes);
        return events == sum;
    }
}

/// <summary>
/// out[n,g·d+j] = Σ_m counts[g,n,m]·v[m,g·d+j], computed as event-driven hardware counts it: each v event (m, c) adds
/// the row counts[g,·,m] (N targets, counts transposed once per step) to column c of the output, held transposed
/// [C, N] and transposed back at the end. When the whole sum fits int16
/// (<see cref="SpikeProducts.FitsInt16(ReadOnlySpan{int}, ReadOnlySpan{byte}, int)"/>: 64 tokens of spikes with counts up
/// to 511) and the level has vectors, the step is computed densely instead: at 64 tokens the transposes and per-column
/// event lists cost more than the adds. Counts ≤ 255 and v ≤ 127 (spikes: counts ≤ d) take the byte form
/// (<see cref="SpikeProducts.CountsTimesValueQuads"/>, four m per multiply), larger ones the i16 form
/// (<see cref="SpikeProducts.CountsTimesValues"/>).
/// </summary>
internal sealed class MatMulAVKernel(SpikeProgram program, MatMulAVOp op, SimdLevel level) : AttentionKernel(program, op.Value, op.Heads)
{
    public override int DrivingBuffer => op.Value;

    public override int EventScratch => Tokens;

    public override int IntScratch => Math.Max(Heads * Tokens * Tokens + Channels * Tokens, SpikeProducts.QuadStride(Tokens) / 4 * Channels);

    public override int ShortScratch => Tokens * Channels;

    public override int ByteScratch => Heads * Tokens * SpikeProducts.QuadStride(Tokens);

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        int[] counts = ws.Ints[op.Counts], output = ws.Ints[op.Output];
        byte[] value = ws.Bytes[op.Value];
        int tokens = Tokens, channels = Channels;
        CountEvents(value, tokens, ref counters);
        if (level == SimdLevel.Scalar || !Dense(counts, value, output, ws))
            EventDriven(counts, value, output, ws);
    }

    /// <summary>The whole step densely when its sums fit int16, in the byte form where counts and v fit it; false otherwise.</summary>
    private bool Dense(int[] counts, byte[] value, int[] output, Workspace ws)
    {
        int tokens = Tokens, channels = Channels;
        int largestValue = SpikeProducts.MaxOf(value);
        if (largestValue <= sbyte.MaxValue)
        {
            // Counts of spikes are at most d, so the byte form is the usual one; the i16 form keeps larger counts dense.
            Span<byte> countBytes = ws.ByteTemp.AsSpan(0, ByteScratch);
            uint largestCount = SpikeProducts.NarrowCounts(counts, tokens, countBytes, level);
            if (largestCount <= byte.MaxValue && SpikeProducts.FitsInt16(largestCount, largestValue, tokens))
            {
                Span<uint> quads = MemoryMarshal.Cast<int, uint>(ws.IntTemp.AsSpan(0, SpikeProducts.QuadStride(tokens) / 4 * channels));
                SpikeProducts.InterleaveQuads(value, tokens, channels, quads, level);
                SpikeProducts.CountsTimesValueQuads(countBytes, quads, tokens, channels, Heads, output, level);
                return true;
            }
        }
        if (!SpikeProducts.FitsInt16(counts, value, tokens))
            return false;
        Span<short> value16 = ws.ShortTemp.AsSpan(0, tokens * channels);
        SpikeProducts.Widen(value, value16);
        SpikeProducts.CountsTimesValues(counts, value16, tokens, channels, Heads, output, level);
        return true;
    }

    /// <summary>Each v event (m, c) adds the row counts[g, ·, m] (counts transposed) to output column c, held as [C, N].</summary>
    private void EventDriven(int[] counts, byte[] value, int[] output, Workspace ws)
    {
        int tokens = Tokens, channels = Channels;
        Span<int> countsT = ws.IntTemp.AsSpan(0, Heads * tokens * tokens);
        Span<int> outT = ws.IntTemp.AsSpan(countsT.Length, channels * tokens);
        for (int g = 0; g < Heads; g++)
        for (int n = 0; n < tokens; n++)
        {
            ReadOnlySpan<int> row = counts.AsSpan((g * tokens + n) * tokens, tokens);
            for (int m = 0; m < tokens; m++)
                countsT[(g * tokens + m) * tokens + n] = row[m];
        }
        outT.Clear();
        for (int c = 0; c < channels; c++)
        {
            int g = c / Depth, count = 0;
            bool unit = true;
            for (int m = 0; m < tokens; m++)
            {
                int v = value[m * channels + c];
                if (v == 0)
                    continue;
                ws.Rows[count] = (g * tokens + m) * tokens;
                ws.Values[count++] = v;
                unit &= v == 1;
            }
            RowKernels.AccumulateRows(outT.Slice(c * tokens, tokens), countsT, ws.Rows.AsSpan(0, count), ws.Values.AsSpan(0, count), unit, level);
        }
        for (int n = 0; n < tokens; n++)
        for (int c = 0; c < channels; c++)
            output[n * channels + c] = outT[c * tokens + n];
    }
}

/// <summary>kv[g,i,j] = Σ_n k[n,g·d+i]·v[n,g·d+j]: each k event adds the row v[n, head g]; fan-out d.</summary>
internal sealed class MatMulKVKernel(SpikeProgram program, MatMulKVOp op) : AttentionKernel(program, op.Key, op.Heads)
{
    public override int DrivingBuffer => op.Key;

    public override int EventScratch => Tokens;

    public override int ShortScratch => Tokens * Channels;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] k = ws.Bytes[op.Key];
        int[] output = ws.Ints[op.Output];
        Span<short> value = ws.ShortTemp.AsSpan(0, Tokens * Channels);
        Widen(ws.Bytes[op.Value], value, Tokens, Channels, transpose: false);
        bool unit = true;
        for (int g = 0; g < Heads; g++)
        for (int i = 0; i < Depth; i++)
        {
            int c = g * Depth + i, count = 0;
            for (int n = 0; n < Tokens; n++)
            {
                int key = k[n * Channels + c];
                if (key == 0)
                    continue;
                ws.Rows[count] = n * Channels + g * Depth;
                ws.Values[count++] = key;
                unit &= key == 1;
            }
            Span<int> target = output.AsSpan((g * Depth + i) * Depth, Depth);
            target.Clear();
            RowKernels.AccumulateRows(target, value, ws.Rows.AsSpan(0, count), ws.Values.AsSpan(0, count), unit);
        }
        CountEvents(k, Depth, ref counters);
    }
}

/// <summary>out[n,g·d+j] = Σ_i q[n,g·d+i]·kv[g,i,j]: each q event adds the i32 row kv[g,i,·]; fan-out d.</summary>
internal sealed class MatMulQKVKernel(SpikeProgram program, MatMulQKVOp op, SimdLevel level) : AttentionKernel(program, op.Query, op.Heads)
{
    public override int DrivingBuffer => op.Query;

    public override int EventScratch => Depth;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] q = ws.Bytes[op.Query];
        int[] kv = ws.Ints[op.KeyValue], output = ws.Ints[op.Output];
        for (int n = 0; n < Tokens; n++)
        for (int g = 0; g < Heads; g++)
        {
            int count = RowKernels.CollectEvents(q.AsSpan(n * Channels + g * Depth, Depth), Depth, g * Depth * Depth, ws.Rows, ws.Values, out long sum, out _);
            Span<int> target = output.AsSpan(n * Channels + g * Depth, Depth);
            target.Clear();
            RowKernels.AccumulateRows(target, kv, ws.Rows.AsSpan(0, count), ws.Values.AsSpan(0, count), sum == count, level);
        }
        CountEvents(q, Depth, ref counters);
    }
}

/// <summary>The head: per-step channel sums, and after the last step logits in int64 saturated to int32.</summary>
internal sealed class ReadoutKernel : OpKernel
{
    private readonly ReadoutOp _op;
    private readonly SimdLevel _level;
    private readonly int _tokens, _channels, _classes;
    private readonly int[] _weights;
    private readonly int[]? _bias;

    public ReadoutKernel(SpikeProgram program, ReadoutOp op, SimdLevel level)
    {
        _op = op;
        _level = level;
        var shape = program.Buffers[op.Input].Shape;
        (_tokens, _channels) = (shape[0], shape[1]);
        var weights = program.Tensors[op.Weights];
        _classes = weights.Shape[0];
        _weights = [.. Enumerable.Range(0, weights.Length).Select(weights.Int8At)];
        _bias = op.Bias == Op.NoTensor ? null : [.. Enumerable.Range(0, _classes).Select(program.Tensors[op.Bias].Int32At)];
    }

    public override int DrivingBuffer => _op.Input;

    public override void Run(Workspace ws, ref StepCounters counters, bool lastStep)
    {
        byte[] input = ws.Bytes[_op.Input];
        int[] sum = ws.Ints[_op.Sum];
        var (events, inputSum) = SpikeProducts.EventsAndSum(input);
        ref byte i0 = ref MemoryMarshal.GetArrayDataReference(input);
        ref int s0 = ref MemoryMarshal.GetArrayDataReference(sum);
        for (int n = 0; n < _tokens; n++)
        {
            ref byte token = ref Unsafe.Add(ref i0, n * _channels);
            int c = 0;
            if (_level == SimdLevel.Avx512)
            {
                // 16 channels per vpmovzxbd and add.
                for (; c + 16 <= _channels; c += 16)
                    (Vector512.LoadUnsafe(ref s0, (nuint)c) + Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref token, (nuint)c))).StoreUnsafe(ref s0, (nuint)c);
            }
            for (; c < _channels; c++)
                Unsafe.Add(ref s0, c) += Unsafe.Add(ref token, c);
        }
        counters.Events = events;
        counters.InputSum = inputSum;
        counters.Updates = events;
        counters.SynapticOps = inputSum;
        if (!lastStep)
            return;
        int[] logits = new int[_classes];
        for (int j = 0; j < _classes; j++)
        {
            long logit = _bias?[j] ?? 0;
            for (int c = 0; c < _channels; c++)
                logit += (long)_weights[j * _channels + c] * sum[c];
            logits[j] = IntegerMath.SaturateInt32(logit);
        }
        ws.Logits = logits;
        counters.Macs = (long)_classes * _channels;
    }
}
