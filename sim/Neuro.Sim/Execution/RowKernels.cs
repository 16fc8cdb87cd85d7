using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neuro.Sim.Execution;

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

    /// <summary>acc[0..L) += Σ_e values[e] · w[rows[e] .. rows[e]+L) with i32 rows (the K·V products of linear attention).</summary>
    public static void AccumulateRows(Span<int> acc, ReadOnlySpan<int> w, ReadOnlySpan<int> rows, ReadOnlySpan<int> values)
    {
        int length = acc.Length;
        ref int w0 = ref MemoryMarshal.GetReference(w);
        ref int a0 = ref MemoryMarshal.GetReference(acc);
        int start = 0;
        if (Vector256.IsHardwareAccelerated)
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

    /// <summary>True when <see cref="DotRows"/> has its vector form on this CPU (AVX2's vpmaddwd: 16 i16 products per instruction).</summary>
    public static bool DenseAccelerated => Avx2.IsSupported;

    /// <summary>
    /// acc[o] += Σ_i w[o·I + i] · x[i] for o &lt; acc.Length, i &lt; I = x.Length: dense i16 dot products over every
    /// input, zeros included. Pays when most inputs are nonzero, since it skips the per-event bookkeeping.
    /// </summary>
    public static void DotRows(Span<int> acc, ReadOnlySpan<short> w, ReadOnlySpan<short> x)
    {
        int inputs = x.Length;
        ref short w0 = ref MemoryMarshal.GetReference(w);
        ref short x0 = ref MemoryMarshal.GetReference(x);
        for (int o = 0; o < acc.Length; o++)
        {
            ref short row = ref Unsafe.Add(ref w0, o * inputs);
            int i = 0, sum = 0;
            if (Avx2.IsSupported && inputs >= 16)
            {
                var total = Vector256<int>.Zero;
                for (; i + 16 <= inputs; i += 16)
                    total += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref row, (nuint)i), Vector256.LoadUnsafe(ref x0, (nuint)i));
                sum = Vector256.Sum(total);
            }
            for (; i < inputs; i++)
                sum += Unsafe.Add(ref row, i) * Unsafe.Add(ref x0, i);
            acc[o] += sum;
        }
    }

    /// <summary>
    /// Writes the column index and value of every nonzero byte of <paramref name="row"/> (strided by
    /// <paramref name="scale"/> into <paramref name="rows"/>), skipping all-zero 32-byte runs with one compare.
    /// Returns the event count; <paramref name="sum"/> receives Σ values.
    /// </summary>
    public static int CollectEvents(ReadOnlySpan<byte> row, int scale, int offset, Span<int> rows, Span<int> values, out long sum)
    {
        int count = 0, i = 0;
        long total = 0;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= row.Length; i += 32)
            {
                if (Vector256.LoadUnsafe(ref r0, (nuint)i) == Vector256<byte>.Zero)
                    continue;
                for (int j = i; j < i + 32; j++)
                {
                    int value = Unsafe.Add(ref r0, j);
                    if (value == 0)
                        continue;
                    rows[count] = j * scale + offset;
                    values[count++] = value;
                    total += value;
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
        }
        sum = total;
        return count;
    }
}
