using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neuro.Sim.Execution;

/// <summary>Which vector kernels run: the best the CPU has (<see cref="RowKernels.Best"/>), or a narrower one forced by tests.</summary>
internal enum SimdLevel
{
    Scalar,
    Avx2,
    Avx512,
}

/// <summary>Events [First, End) of an event list, each adding its row at <c>row + Offset</c> (a conv tap's offset).</summary>
internal readonly record struct Segment(int First, int End, int Offset);

/// <summary>
/// The arithmetic of every synaptic op, reduced to two shapes: "add these weight rows, each times its event's value, to
/// one accumulator row" (event-driven) and "dot these weight rows with one dense input row" (dense). Integer sums are
/// exact in any order (docs/spike-program.md §3.9), so both give the reference interpreter's bits.
/// </summary>
internal static class RowKernels
{
    /// <summary>int32 lanes of one 256-bit register.</summary>
    private const int Lanes = 8;

    /// <summary>
    /// acc[0..L) += Σ_e values[e] · w[rows[e] .. rows[e]+L), with i16 weight rows. The accumulator is held in
    /// registers over all events of a 64-wide tile, so each event costs four 16-lane loads and eight adds per tile
    /// instead of a load-add-store of the accumulator; <paramref name="unit"/> (every value 1: spikes) drops the multiply.
    /// </summary>
    public static void AccumulateRows(Span<int> acc, ReadOnlySpan<short> w, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit)
    {
        int length = acc.Length, count = rows.Length;
        if (count == 0)
            return;
        ref short w0 = ref MemoryMarshal.GetReference(w);
        ref int a0 = ref MemoryMarshal.GetReference(acc);
        int start = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; start + 4 * 2 * Lanes <= length; start += 4 * 2 * Lanes)
                Tile64(ref a0, ref w0, rows, values, unit, start);
            for (; start + 2 * Lanes <= length; start += 2 * Lanes)
                Tile16(ref a0, ref w0, rows, values, unit, start);
            if (start + Lanes <= length)
            {
                Tile8(ref a0, ref w0, rows, values, unit, start);
                start += Lanes;
            }
        }
        for (int o = start; o < length; o++)
        {
            int sum = Unsafe.Add(ref a0, o);
            for (int e = 0; e < count; e++)
                sum += Unsafe.Add(ref w0, rows[e] + o) * values[e];
            Unsafe.Add(ref a0, o) = sum;
        }
    }

    private static void Tile64(ref int a0, ref short w0, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit, int start)
    {
        ref int a = ref Unsafe.Add(ref a0, start);
        var s0 = Vector256.LoadUnsafe(ref a, 0);
        var s1 = Vector256.LoadUnsafe(ref a, 8);
        var s2 = Vector256.LoadUnsafe(ref a, 16);
        var s3 = Vector256.LoadUnsafe(ref a, 24);
        var s4 = Vector256.LoadUnsafe(ref a, 32);
        var s5 = Vector256.LoadUnsafe(ref a, 40);
        var s6 = Vector256.LoadUnsafe(ref a, 48);
        var s7 = Vector256.LoadUnsafe(ref a, 56);
        for (int e = 0; e < rows.Length; e++)
        {
            ref short row = ref Unsafe.Add(ref w0, rows[e] + start);
            var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref row, 0));
            var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref row, 16));
            var (l2, h2) = Vector256.Widen(Vector256.LoadUnsafe(ref row, 32));
            var (l3, h3) = Vector256.Widen(Vector256.LoadUnsafe(ref row, 48));
            if (!unit)
            {
                var v = Vector256.Create(values[e]);
                l0 *= v; h0 *= v; l1 *= v; h1 *= v; l2 *= v; h2 *= v; l3 *= v; h3 *= v;
            }
            s0 += l0; s1 += h0; s2 += l1; s3 += h1; s4 += l2; s5 += h2; s6 += l3; s7 += h3;
        }
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 8);
        s2.StoreUnsafe(ref a, 16);
        s3.StoreUnsafe(ref a, 24);
        s4.StoreUnsafe(ref a, 32);
        s5.StoreUnsafe(ref a, 40);
        s6.StoreUnsafe(ref a, 48);
        s7.StoreUnsafe(ref a, 56);
    }

    private static void Tile16(ref int a0, ref short w0, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit, int start)
    {
        ref int a = ref Unsafe.Add(ref a0, start);
        var s0 = Vector256.LoadUnsafe(ref a, 0);
        var s1 = Vector256.LoadUnsafe(ref a, 8);
        for (int e = 0; e < rows.Length; e++)
        {
            var (l, h) = Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.Add(ref w0, rows[e] + start)));
            if (!unit)
            {
                var v = Vector256.Create(values[e]);
                l *= v; h *= v;
            }
            s0 += l; s1 += h;
        }
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 8);
    }

    private static void Tile8(ref int a0, ref short w0, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit, int start)
    {
        ref int a = ref Unsafe.Add(ref a0, start);
        var sum = Vector256.LoadUnsafe(ref a);
        for (int e = 0; e < rows.Length; e++)
        {
            var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref Unsafe.Add(ref w0, rows[e] + start)));
            var row = Vector256.Create(low, high);
            sum += unit ? row : row * Vector256.Create(values[e]);
        }
        sum.StoreUnsafe(ref a);
    }

    /// <summary>
    /// acc[0..L) += Σ_e values[e] · w[rows[e] .. rows[e]+L) with i32 rows (the attention counts and K·V products). With
    /// AVX-512 a 64-wide tile of the accumulator stays in four registers over every event (one load-add per 16 lanes per
    /// event, where an 8-lane tile per pass re-read every event's index and value eight times per 64 lanes);
    /// <paramref name="unit"/> (every value 1: spikes) drops the multiply.
    /// </summary>
    public static void AccumulateRows(Span<int> acc, ReadOnlySpan<int> w, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit, SimdLevel level)
    {
        int length = acc.Length, start = 0;
        ref int w0 = ref MemoryMarshal.GetReference(w);
        ref int a0 = ref MemoryMarshal.GetReference(acc);
        if (level == SimdLevel.Avx512)
        {
            for (; start + 64 <= length; start += 64)
                Wide512x64(ref Unsafe.Add(ref a0, start), ref Unsafe.Add(ref w0, start), rows, values, unit);
            for (; start + 16 <= length; start += 16)
            {
                var sum = Vector512.LoadUnsafe(ref a0, (nuint)start);
                for (int e = 0; e < rows.Length; e++)
                {
                    var row = Vector512.LoadUnsafe(ref w0, (nuint)(rows[e] + start));
                    sum += unit ? row : row * Vector512.Create(values[e]);
                }
                sum.StoreUnsafe(ref a0, (nuint)start);
            }
        }
        else if (level == SimdLevel.Avx2)
        {
            for (; start + Lanes <= length; start += Lanes)
            {
                var sum = Vector256.LoadUnsafe(ref a0, (nuint)start);
                for (int e = 0; e < rows.Length; e++)
                    sum += Vector256.LoadUnsafe(ref w0, (nuint)(rows[e] + start)) * Vector256.Create(values[e]);
                sum.StoreUnsafe(ref a0, (nuint)start);
            }
        }
        for (int o = start; o < length; o++)
        {
            int sum = Unsafe.Add(ref a0, o);
            for (int e = 0; e < rows.Length; e++)
                sum += Unsafe.Add(ref w0, rows[e] + o) * values[e];
            Unsafe.Add(ref a0, o) = sum;
        }
    }

    private static void Wide512x64(ref int a, ref int w, ReadOnlySpan<int> rows, ReadOnlySpan<int> values, bool unit)
    {
        var s0 = Vector512.LoadUnsafe(ref a, 0);
        var s1 = Vector512.LoadUnsafe(ref a, 16);
        var s2 = Vector512.LoadUnsafe(ref a, 32);
        var s3 = Vector512.LoadUnsafe(ref a, 48);
        for (int e = 0; e < rows.Length; e++)
        {
            ref int row = ref Unsafe.Add(ref w, rows[e]);
            var r0 = Vector512.LoadUnsafe(ref row, 0);
            var r1 = Vector512.LoadUnsafe(ref row, 16);
            var r2 = Vector512.LoadUnsafe(ref row, 32);
            var r3 = Vector512.LoadUnsafe(ref row, 48);
            if (!unit)
            {
                var v = Vector512.Create(values[e]);
                r0 *= v;
                r1 *= v;
                r2 *= v;
                r3 *= v;
            }
            s0 += r0;
            s1 += r1;
            s2 += r2;
            s3 += r3;
        }
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 16);
        s2.StoreUnsafe(ref a, 32);
        s3.StoreUnsafe(ref a, 48);
    }

    /// <summary>Weight rows of the narrow kernels are padded with zeros to a multiple of this many i16 lanes (one 512-bit register).</summary>
    public const int RowAlignment = 32;

    /// <summary><paramref name="length"/> rounded up to <see cref="RowAlignment"/>.</summary>
    public static int Padded(int length) => (length + RowAlignment - 1) / RowAlignment * RowAlignment;

    /// <summary>The widest kernels this CPU runs.</summary>
    public static SimdLevel Best =>
        Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? SimdLevel.Avx512 : Avx2.IsSupported ? SimdLevel.Avx2 : SimdLevel.Scalar;

    /// <summary>
    /// How many events may be summed in i16 lanes before they are widened into the i32 accumulator: each adds at most
    /// |w|max · value_max in magnitude, so any partial sum of that many stays within ±32767 and i16 addition is exact.
    /// At least 1, since 128 · 255 &lt; 32768.
    /// </summary>
    public static int NarrowGroup(int maxAbsWeight, int maxValue) => short.MaxValue / Math.Max(1, maxAbsWeight * maxValue);

    /// <summary>
    /// acc[0..L) += Σ over segments s, events e in [s.First, s.End): values[e] · w[eventRows[e] + s.Offset ..][0..L), with
    /// i8 weight rows whose stride and L are multiples of <see cref="RowAlignment"/> (zero-padded), sign-extended to i16 as
    /// they load (vpmovsxbw: half the bytes of i16 rows, which measured 1.2–1.6× faster on the presets). The vector forms sum
    /// up to <paramref name="group"/> events in i16 lanes (32 per 512-bit add, twice the i32 rate; see
    /// <see cref="NarrowGroup"/>) and then widen them into i32 accumulators, all held in registers over every event of a
    /// tile. <paramref name="unit"/> (every value 1: spikes) drops the multiply.
    /// </summary>
    public static void AccumulateSegments(Span<int> acc, ReadOnlySpan<sbyte> w, ReadOnlySpan<int> eventRows, ReadOnlySpan<int> values,
        ReadOnlySpan<Segment> segments, bool unit, int group, SimdLevel level)
    {
        int length = acc.Length, start = 0;
        ref sbyte w0 = ref MemoryMarshal.GetReference(w);
        ref int a0 = ref MemoryMarshal.GetReference(acc);
        if (level == SimdLevel.Avx512)
        {
            for (; start + 64 <= length; start += 64)
                Narrow512x64(ref Unsafe.Add(ref a0, start), ref Unsafe.Add(ref w0, start), eventRows, values, segments, unit, group);
            if (start < length)
                Narrow512x32(ref Unsafe.Add(ref a0, start), ref Unsafe.Add(ref w0, start), eventRows, values, segments, unit, group);
            return;
        }
        if (level == SimdLevel.Avx2)
        {
            for (; start + 64 <= length; start += 64)
                Narrow256x64(ref Unsafe.Add(ref a0, start), ref Unsafe.Add(ref w0, start), eventRows, values, segments, unit, group);
            for (; start < length; start += 16)
                Narrow256x16(ref Unsafe.Add(ref a0, start), ref Unsafe.Add(ref w0, start), eventRows, values, segments, unit, group);
            return;
        }
        for (int o = 0; o < length; o++)
        {
            int sum = acc[o];
            foreach (var segment in segments)
            {
                for (int e = segment.First; e < segment.End; e++)
                    sum += Unsafe.Add(ref w0, eventRows[e] + segment.Offset + o) * values[e];
            }
            acc[o] = sum;
        }
    }

    private static void Narrow512x64(ref int a, ref sbyte w, ReadOnlySpan<int> eventRows, ReadOnlySpan<int> values,
        ReadOnlySpan<Segment> segments, bool unit, int group)
    {
        var s0 = Vector512.LoadUnsafe(ref a, 0);
        var s1 = Vector512.LoadUnsafe(ref a, 16);
        var s2 = Vector512.LoadUnsafe(ref a, 32);
        var s3 = Vector512.LoadUnsafe(ref a, 48);
        Vector512<short> n0 = default, n1 = default;
        int left = group;
        foreach (var segment in segments)
        {
            for (int e = segment.First; e < segment.End; e++)
            {
                ref sbyte row = ref Unsafe.Add(ref w, eventRows[e] + segment.Offset);
                var r0 = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                var r1 = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                if (!unit)
                {
                    var v = Vector512.Create((short)values[e]);
                    r0 *= v;
                    r1 *= v;
                }
                n0 += r0;
                n1 += r1;
                if (--left == 0)
                {
                    Widen(n0, ref s0, ref s1);
                    Widen(n1, ref s2, ref s3);
                    n0 = n1 = default;
                    left = group;
                }
            }
        }
        Widen(n0, ref s0, ref s1);
        Widen(n1, ref s2, ref s3);
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 16);
        s2.StoreUnsafe(ref a, 32);
        s3.StoreUnsafe(ref a, 48);
    }

    private static void Narrow512x32(ref int a, ref sbyte w, ReadOnlySpan<int> eventRows, ReadOnlySpan<int> values,
        ReadOnlySpan<Segment> segments, bool unit, int group)
    {
        var s0 = Vector512.LoadUnsafe(ref a, 0);
        var s1 = Vector512.LoadUnsafe(ref a, 16);
        Vector512<short> n0 = default;
        int left = group;
        foreach (var segment in segments)
        {
            for (int e = segment.First; e < segment.End; e++)
            {
                var r0 = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref w, eventRows[e] + segment.Offset)));
                n0 += unit ? r0 : r0 * Vector512.Create((short)values[e]);
                if (--left == 0)
                {
                    Widen(n0, ref s0, ref s1);
                    n0 = default;
                    left = group;
                }
            }
        }
        Widen(n0, ref s0, ref s1);
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 16);
    }

    private static void Narrow256x64(ref int a, ref sbyte w, ReadOnlySpan<int> eventRows, ReadOnlySpan<int> values,
        ReadOnlySpan<Segment> segments, bool unit, int group)
    {
        var s0 = Vector256.LoadUnsafe(ref a, 0);
        var s1 = Vector256.LoadUnsafe(ref a, 8);
        var s2 = Vector256.LoadUnsafe(ref a, 16);
        var s3 = Vector256.LoadUnsafe(ref a, 24);
        var s4 = Vector256.LoadUnsafe(ref a, 32);
        var s5 = Vector256.LoadUnsafe(ref a, 40);
        var s6 = Vector256.LoadUnsafe(ref a, 48);
        var s7 = Vector256.LoadUnsafe(ref a, 56);
        Vector256<short> n0 = default, n1 = default, n2 = default, n3 = default;
        int left = group;
        foreach (var segment in segments)
        {
            for (int e = segment.First; e < segment.End; e++)
            {
                ref sbyte row = ref Unsafe.Add(ref w, eventRows[e] + segment.Offset);
                var r0 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref row, 0));
                var r1 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref row, 16));
                var r2 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref row, 32));
                var r3 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref row, 48));
                if (!unit)
                {
                    var v = Vector256.Create((short)values[e]);
                    r0 *= v;
                    r1 *= v;
                    r2 *= v;
                    r3 *= v;
                }
                n0 += r0;
                n1 += r1;
                n2 += r2;
                n3 += r3;
                if (--left == 0)
                {
                    Widen(n0, ref s0, ref s1);
                    Widen(n1, ref s2, ref s3);
                    Widen(n2, ref s4, ref s5);
                    Widen(n3, ref s6, ref s7);
                    n0 = n1 = n2 = n3 = default;
                    left = group;
                }
            }
        }
        Widen(n0, ref s0, ref s1);
        Widen(n1, ref s2, ref s3);
        Widen(n2, ref s4, ref s5);
        Widen(n3, ref s6, ref s7);
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 8);
        s2.StoreUnsafe(ref a, 16);
        s3.StoreUnsafe(ref a, 24);
        s4.StoreUnsafe(ref a, 32);
        s5.StoreUnsafe(ref a, 40);
        s6.StoreUnsafe(ref a, 48);
        s7.StoreUnsafe(ref a, 56);
    }

    private static void Narrow256x16(ref int a, ref sbyte w, ReadOnlySpan<int> eventRows, ReadOnlySpan<int> values,
        ReadOnlySpan<Segment> segments, bool unit, int group)
    {
        var s0 = Vector256.LoadUnsafe(ref a, 0);
        var s1 = Vector256.LoadUnsafe(ref a, 8);
        Vector256<short> n0 = default;
        int left = group;
        foreach (var segment in segments)
        {
            for (int e = segment.First; e < segment.End; e++)
            {
                var r0 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref w, eventRows[e] + segment.Offset)));
                n0 += unit ? r0 : r0 * Vector256.Create((short)values[e]);
                if (--left == 0)
                {
                    Widen(n0, ref s0, ref s1);
                    n0 = default;
                    left = group;
                }
            }
        }
        Widen(n0, ref s0, ref s1);
        s0.StoreUnsafe(ref a, 0);
        s1.StoreUnsafe(ref a, 8);
    }

    /// <summary>acc[i] += w · x[i] in i16 lanes, for lengths that are multiples of <see cref="RowAlignment"/>; the caller bounds the sums (no wrap).</summary>
    public static void AddScaled(Span<short> acc, ReadOnlySpan<short> x, short w, SimdLevel level)
    {
        ref short a0 = ref MemoryMarshal.GetReference(acc);
        ref short x0 = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (level == SimdLevel.Avx512)
        {
            var v = Vector512.Create(w);
            for (; i + 32 <= acc.Length; i += 32)
                (Vector512.LoadUnsafe(ref a0, (nuint)i) + Vector512.LoadUnsafe(ref x0, (nuint)i) * v).StoreUnsafe(ref a0, (nuint)i);
        }
        else if (level == SimdLevel.Avx2)
        {
            var v = Vector256.Create(w);
            for (; i + 16 <= acc.Length; i += 16)
                (Vector256.LoadUnsafe(ref a0, (nuint)i) + Vector256.LoadUnsafe(ref x0, (nuint)i) * v).StoreUnsafe(ref a0, (nuint)i);
        }
        for (; i < acc.Length; i++)
            acc[i] = (short)(acc[i] + x[i] * w);
    }

    /// <summary>wide[i] += narrow[i], then narrow is zeroed: the i16 partial sums move into the i32 accumulator.</summary>
    public static void WidenInto(Span<int> wide, Span<short> narrow, SimdLevel level)
    {
        ref int w0 = ref MemoryMarshal.GetReference(wide);
        ref short n0 = ref MemoryMarshal.GetReference(narrow);
        int i = 0;
        if (level == SimdLevel.Avx512)
        {
            for (; i + 32 <= narrow.Length; i += 32)
            {
                var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref n0, (nuint)i));
                (Vector512.LoadUnsafe(ref w0, (nuint)i) + low).StoreUnsafe(ref w0, (nuint)i);
                (Vector512.LoadUnsafe(ref w0, (nuint)i + 16) + high).StoreUnsafe(ref w0, (nuint)i + 16);
            }
        }
        else if (level == SimdLevel.Avx2)
        {
            for (; i + 16 <= narrow.Length; i += 16)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref n0, (nuint)i));
                (Vector256.LoadUnsafe(ref w0, (nuint)i) + low).StoreUnsafe(ref w0, (nuint)i);
                (Vector256.LoadUnsafe(ref w0, (nuint)i + 8) + high).StoreUnsafe(ref w0, (nuint)i + 8);
            }
        }
        for (; i < narrow.Length; i++)
            wide[i] += narrow[i];
        narrow.Clear();
    }

    /// <summary>acc[0..length) += value · row[0..length): an i8 row widened to i32 as it loads, 16 lanes per 512-bit add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaledRow(ref int acc, ref sbyte row, int length, int value, SimdLevel level)
    {
        int o = 0;
        if (level == SimdLevel.Avx512)
        {
            var scale = Vector512.Create(value);
            for (; o + 16 <= length; o += 16)
                (Vector512.LoadUnsafe(ref acc, (nuint)o) + Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref Unsafe.Add(ref row, o))) * scale).StoreUnsafe(ref acc, (nuint)o);
        }
        else if (level == SimdLevel.Avx2)
        {
            var scale = Vector256.Create(value);
            for (; o + 8 <= length; o += 8)
                (Vector256.LoadUnsafe(ref acc, (nuint)o) + Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.Add(ref row, o))) * scale).StoreUnsafe(ref acc, (nuint)o);
        }
        for (; o < length; o++)
            Unsafe.Add(ref acc, o) += Unsafe.Add(ref row, o) * value;
    }

    /// <summary>acc[i] += row[i] for every i &lt; acc.Length.</summary>
    public static void AddRow(Span<int> acc, ReadOnlySpan<int> row, SimdLevel level)
    {
        int o = 0;
        ref int a0 = ref MemoryMarshal.GetReference(acc);
        ref int r0 = ref MemoryMarshal.GetReference(row);
        if (level == SimdLevel.Avx512)
        {
            for (; o + 16 <= acc.Length; o += 16)
                (Vector512.LoadUnsafe(ref a0, (nuint)o) + Vector512.LoadUnsafe(ref r0, (nuint)o)).StoreUnsafe(ref a0, (nuint)o);
        }
        for (; o < acc.Length; o++)
            Unsafe.Add(ref a0, o) += Unsafe.Add(ref r0, o);
    }

    /// <summary>
    /// planes[o · planeLength + first + i] = tile[i · stride + o] for i &lt; <paramref name="count"/> (≤ 16 positions) and
    /// o &lt; <paramref name="channels"/>: an accumulator tile of output positions into [O, H, W] planes. With AVX-512 a full
    /// tile moves 16 channels at a time through a 16 × 16 register transpose (64 shuffles per 256 values).
    /// </summary>
    public static void TransposeTile(ReadOnlySpan<int> tile, int count, int stride, int channels, Span<int> planes, int planeLength, int first, SimdLevel level)
    {
        int o = 0;
        if (level == SimdLevel.Avx512 && count == 16)
        {
            ref int t0 = ref MemoryMarshal.GetReference(tile);
            ref int p0 = ref MemoryMarshal.GetReference(planes);
            for (; o + 16 <= channels; o += 16)
                Transpose16x16(ref Unsafe.Add(ref t0, o), stride, ref Unsafe.Add(ref p0, o * planeLength + first), planeLength);
        }
        for (; o < channels; o++)
        {
            Span<int> plane = planes.Slice(o * planeLength + first, count);
            for (int i = 0; i < plane.Length; i++)
                plane[i] = tile[i * stride + o];
        }
    }

    /// <summary>
    /// The inverse of <see cref="TransposeTile"/>: tile[i · stride + o] = planes[o · planeLength + first + i] for i &lt;
    /// <paramref name="count"/> and o &lt; <paramref name="channels"/> (the tile's other lanes are left as they are).
    /// </summary>
    public static void UntransposeTile(ReadOnlySpan<int> planes, int planeLength, int first, int count, int channels, Span<int> tile, int stride, SimdLevel level)
    {
        int o = 0;
        if (level == SimdLevel.Avx512 && count == 16)
        {
            ref int t0 = ref MemoryMarshal.GetReference(tile);
            ref int p0 = ref MemoryMarshal.GetReference(planes);
            for (; o + 16 <= channels; o += 16)
                Transpose16x16(ref Unsafe.Add(ref p0, o * planeLength + first), planeLength, ref Unsafe.Add(ref t0, o), stride);
        }
        for (; o < channels; o++)
        {
            ReadOnlySpan<int> plane = planes.Slice(o * planeLength + first, count);
            for (int i = 0; i < plane.Length; i++)
                tile[i * stride + o] = plane[i];
        }
    }

    /// <summary>
    /// The classic 16 × 16 i32 transpose: 32-bit then 64-bit unpacks interleave pairs of rows within 128-bit lanes, and two
    /// rounds of 128-bit lane shuffles (vshufi32x4) gather the lanes; output row j is input column j.
    /// </summary>
    private static void Transpose16x16(ref int source, int sourceStride, ref int target, int targetStride)
    {
        // Every stage in registers: as stackalloc'd arrays of 16 vectors the stages went through zeroed stack memory.
        nuint stride = (nuint)sourceStride;
        var (r0, r1) = Interleave32(ref source, 0, stride);
        var (r2, r3) = Interleave32(ref source, 2, stride);
        var (r4, r5) = Interleave32(ref source, 4, stride);
        var (r6, r7) = Interleave32(ref source, 6, stride);
        var (r8, r9) = Interleave32(ref source, 8, stride);
        var (r10, r11) = Interleave32(ref source, 10, stride);
        var (r12, r13) = Interleave32(ref source, 12, stride);
        var (r14, r15) = Interleave32(ref source, 14, stride);
        var (u0, u1, u2, u3) = Interleave64(r0, r1, r2, r3);
        var (u4, u5, u6, u7) = Interleave64(r4, r5, r6, r7);
        var (u8, u9, u10, u11) = Interleave64(r8, r9, r10, r11);
        var (u12, u13, u14, u15) = Interleave64(r12, r13, r14, r15);
        nuint targetRow = (nuint)targetStride;
        StoreLanes(u0, u4, u8, u12, ref target, 0, targetRow);
        StoreLanes(u1, u5, u9, u13, ref target, 1, targetRow);
        StoreLanes(u2, u6, u10, u14, ref target, 2, targetRow);
        StoreLanes(u3, u7, u11, u15, ref target, 3, targetRow);
    }

    /// <summary>Rows i and i + 1 interleaved by 32-bit lanes within each 128-bit block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<int>, Vector512<int>) Interleave32(ref int source, nuint i, nuint stride)
    {
        var a = Vector512.LoadUnsafe(ref source, i * stride);
        var b = Vector512.LoadUnsafe(ref source, (i + 1) * stride);
        return (Avx512F.UnpackLow(a, b), Avx512F.UnpackHigh(a, b));
    }

    /// <summary>Four interleaved rows regrouped by 64-bit lanes: each 128-bit block then holds one column of four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<int>, Vector512<int>, Vector512<int>, Vector512<int>) Interleave64(Vector512<int> r0, Vector512<int> r1, Vector512<int> r2, Vector512<int> r3) =>
        (Avx512F.UnpackLow(r0.AsInt64(), r2.AsInt64()).AsInt32(), Avx512F.UnpackHigh(r0.AsInt64(), r2.AsInt64()).AsInt32(),
         Avx512F.UnpackLow(r1.AsInt64(), r3.AsInt64()).AsInt32(), Avx512F.UnpackHigh(r1.AsInt64(), r3.AsInt64()).AsInt32());

    /// <summary>Output rows m, 4 + m, 8 + m and 12 + m from the 128-bit blocks of the four row groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(Vector512<int> g0, Vector512<int> g1, Vector512<int> g2, Vector512<int> g3, ref int target, nuint m, nuint stride)
    {
        var even = Avx512F.Shuffle4x128(g0, g1, 0x88);
        var odd = Avx512F.Shuffle4x128(g0, g1, 0xDD);
        var evenHigh = Avx512F.Shuffle4x128(g2, g3, 0x88);
        var oddHigh = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        Avx512F.Shuffle4x128(even, evenHigh, 0x88).StoreUnsafe(ref target, m * stride);
        Avx512F.Shuffle4x128(odd, oddHigh, 0x88).StoreUnsafe(ref target, (4 + m) * stride);
        Avx512F.Shuffle4x128(even, evenHigh, 0xDD).StoreUnsafe(ref target, (8 + m) * stride);
        Avx512F.Shuffle4x128(odd, oddHigh, 0xDD).StoreUnsafe(ref target, (12 + m) * stride);
    }

    /// <summary>low += the lower 16 lanes of <paramref name="narrow"/> widened to i32, high += the upper 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector512<short> narrow, ref Vector512<int> low, ref Vector512<int> high)
    {
        var (l, h) = Vector512.Widen(narrow);
        low += l;
        high += h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(Vector256<short> narrow, ref Vector256<int> low, ref Vector256<int> high)
    {
        var (l, h) = Vector256.Widen(narrow);
        low += l;
        high += h;
    }

    /// <summary>
    /// Writes <paramref name="offset"/> + i for every nonzero byte i of <paramref name="source"/>, in order, and returns how
    /// many: 64 (or 32) bytes per compare, set bits walked with tzcnt, so density costs no mispredicted branch per byte.
    /// </summary>
    public static int Nonzeros(ReadOnlySpan<byte> source, int offset, Span<int> indices)
    {
        int count = 0, i = 0;
        ref byte s0 = ref MemoryMarshal.GetReference(source);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 64 <= source.Length; i += 64)
            {
                ulong mask = ~Vector512.Equals(Vector512.LoadUnsafe(ref s0, (nuint)i), Vector512<byte>.Zero).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                    indices[count++] = offset + i + BitOperations.TrailingZeroCount(mask);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= source.Length; i += 32)
            {
                uint mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref s0, (nuint)i), Vector256<byte>.Zero).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                    indices[count++] = offset + i + BitOperations.TrailingZeroCount(mask);
            }
        }
        for (; i < source.Length; i++)
        {
            if (Unsafe.Add(ref s0, i) != 0)
                indices[count++] = offset + i;
        }
        return count;
    }

    /// <summary>
    /// Writes <paramref name="scale"/> · m + <paramref name="offset"/> and the value of every nonzero m of an i32 row (the
    /// attention counts), 16 at a time by mask walk; returns how many.
    /// </summary>
    public static int CollectNonzeros(ReadOnlySpan<int> row, int scale, int offset, Span<int> rows, Span<int> values)
    {
        int count = 0, m = 0;
        ref int r0 = ref MemoryMarshal.GetReference(row);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; m + 16 <= row.Length; m += 16)
            {
                uint mask = (uint)~Vector512.Equals(Vector512.LoadUnsafe(ref r0, (nuint)m), Vector512<int>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                for (; mask != 0; mask &= mask - 1)
                {
                    int j = m + BitOperations.TrailingZeroCount(mask);
                    rows[count] = j * scale + offset;
                    values[count++] = Unsafe.Add(ref r0, j);
                }
            }
        }
        for (; m < row.Length; m++)
        {
            int value = Unsafe.Add(ref r0, m);
            if (value == 0)
                continue;
            rows[count] = m * scale + offset;
            values[count++] = value;
        }
        return count;
    }

    /// <summary>
    /// Writes the column index and value of every nonzero byte of <paramref name="row"/> (strided by
    /// <paramref name="scale"/> into <paramref name="rows"/>), 32 bytes at a time: one compare gives the nonzero mask and
    /// its set bits are walked with tzcnt, so a dense row costs no mispredicted branch per byte. Returns the event count;
    /// <paramref name="sum"/> receives Σ values and <paramref name="max"/> the largest.
    /// </summary>
    public static int CollectEvents(ReadOnlySpan<byte> row, int scale, int offset, Span<int> rows, Span<int> values, out long sum, out int max)
    {
        int count = 0, i = 0, largest = 0;
        long total = 0;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= row.Length; i += 32)
            {
                uint mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref r0, (nuint)i), Vector256<byte>.Zero).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                {
                    int j = i + BitOperations.TrailingZeroCount(mask), value = Unsafe.Add(ref r0, j);
                    rows[count] = j * scale + offset;
                    values[count++] = value;
                    total += value;
                    largest = Math.Max(largest, value);
                }
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            // Attention heads of d = 16 channels fit one 16-byte compare.
            for (; i + 16 <= row.Length; i += 16)
            {
                uint mask = ~Vector128.Equals(Vector128.LoadUnsafe(ref r0, (nuint)i), Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                for (; mask != 0; mask &= mask - 1)
                {
                    int j = i + BitOperations.TrailingZeroCount(mask), value = Unsafe.Add(ref r0, j);
                    rows[count] = j * scale + offset;
                    values[count++] = value;
                    total += value;
                    largest = Math.Max(largest, value);
                }
            }
        }
        for (; i < row.Length; i++)
        {
            int value = Unsafe.Add(ref r0, i);
            if (value == 0)
                continue;
            rows[count] = i * scale + offset;
            values[count++] = value;
            total += value;
            largest = Math.Max(largest, value);
        }
        sum = total;
        max = largest;
        return count;
    }
}
