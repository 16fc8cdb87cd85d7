using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neuro.Sim.Execution;

/// <summary>
/// Whole-step dense forms of the attention products for the shapes where they are exact and cheaper than walking events:
/// at 64 tokens the event paths spent most of their time on per-token and per-column setup (event lists, transposes),
/// not on adds. Q·Kᵀ of spikes is a popcount of two head bit masks; (QKᵀ)·V sums counts × v rows in i16 lanes when the
/// whole sum provably fits int16. Integer sums are exact in any order (spike-program.md §3.9).
/// </summary>
internal static class SpikeProducts
{
    /// <summary>Longest head (channels) whose spikes fit one 64-bit mask.</summary>
    public const int MaxMaskDepth = 64;

    /// <summary>ulong words of scratch <see cref="HeadMasks"/> needs besides the masks, for rows of <paramref name="channels"/>.</summary>
    public static int RowWords(int channels) => channels / 64 + 2;

    /// <summary>
    /// masks[g·N + n] = bit j set where spikes[n, g·d + j] ≠ 0 (d ≤ 64), for spike tokens [N, C] with h heads of d channels.
    /// Each token row becomes C bits (16 bytes per compare), and each head's d bits are shifted out of one or two words.
    /// </summary>
    public static void HeadMasks(ReadOnlySpan<byte> spikes, int tokens, int channels, int heads, Span<ulong> masks, Span<ulong> rowWords, SimdLevel level)
    {
        int depth = channels / heads;
        ulong keep = depth == 64 ? ulong.MaxValue : (1UL << depth) - 1;
        Span<ulong> words = rowWords[..RowWords(channels)];
        ref byte s0 = ref MemoryMarshal.GetReference(spikes);
        for (int n = 0; n < tokens; n++)
        {
            words.Clear();
            int i = 0, row = n * channels;
            if (level != SimdLevel.Scalar)
            {
                for (; i + 16 <= channels; i += 16)
                {
                    ulong nonzero = ~Vector128.Equals(Vector128.LoadUnsafe(ref s0, (nuint)(row + i)), Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                    words[i >> 6] |= nonzero << (i & 63);
                }
            }
            for (; i < channels; i++)
            {
                if (Unsafe.Add(ref s0, row + i) != 0)
                    words[i >> 6] |= 1UL << (i & 63);
            }
            for (int g = 0; g < heads; g++)
            {
                int first = g * depth, shift = first & 63;
                ulong bits = words[first >> 6] >> shift;
                if (shift != 0)
                    bits |= words[(first >> 6) + 1] << (64 - shift);
                masks[g * tokens + n] = bits & keep;
            }
        }
    }

    /// <summary>
    /// counts[g, n, m] = popcount(q[g, n] ∧ k[g, m]): Σ_j q·k over a head when both are spikes (0 or 1). With AVX-512, eight
    /// keys at a time: the nibbles of the eight ANDs look up their bit counts (vpshufb), vpsadbw sums each 64-bit lane's
    /// bytes and vpmovqd narrows the eight counts (.NET 10 exposes no vpopcntq).
    /// </summary>
    public static void Coincidences(ReadOnlySpan<ulong> queryMasks, ReadOnlySpan<ulong> keyMasks, int tokens, int heads, Span<int> counts, SimdLevel level)
    {
        var table = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
            0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        var low = Vector512.Create((byte)0x0F);
        for (int g = 0; g < heads; g++)
        {
            ReadOnlySpan<ulong> keys = keyMasks.Slice(g * tokens, tokens);
            ref ulong k0 = ref MemoryMarshal.GetReference(keys);
            for (int n = 0; n < tokens; n++)
            {
                ulong query = queryMasks[g * tokens + n];
                Span<int> row = counts.Slice((g * tokens + n) * tokens, tokens);
                int m = 0;
                if (level == SimdLevel.Avx512)
                {
                    var q = Vector512.Create(query);
                    ref int r0 = ref MemoryMarshal.GetReference(row);
                    for (; m + 8 <= tokens; m += 8)
                    {
                        var both = (q & Vector512.LoadUnsafe(ref k0, (nuint)m)).AsByte();
                        var bits = Avx512BW.Shuffle(table, both & low) + Avx512BW.Shuffle(table, Vector512.ShiftRightLogical(both.AsUInt16(), 4).AsByte() & low);
                        Avx512F.ConvertToVector256Int32(Avx512BW.SumAbsoluteDifferences(bits, Vector512<byte>.Zero).AsUInt64()).AsInt32().StoreUnsafe(ref r0, (nuint)m);
                    }
                }
                for (; m < keys.Length; m++)
                    row[m] = BitOperations.PopCount(query & keys[m]);
            }
        }
    }

    /// <summary>
    /// Whether out[n, c] = Σ_m counts[g, n, m] · v[m, c] can be summed in i16 lanes: every term is ≥ 0 (counts of u8
    /// products), so no partial sum exceeds N · max count · max v, which must fit int16.
    /// </summary>
    public static bool FitsInt16(ReadOnlySpan<int> counts, ReadOnlySpan<byte> value, int tokens) =>
        (long)tokens * MaxOf(MemoryMarshal.Cast<int, uint>(counts)) * MaxOf(value) <= short.MaxValue;

    /// <summary>
    /// out[n, g·d + j] = Σ_m counts[g, n, m] · v[m, g·d + j] for all n, densely: each output row of a head is held in i16
    /// registers (64 columns in two 512-bit or four 256-bit registers) over all m, one broadcast count times one v row per
    /// m, then widened to i32. <paramref name="value16"/> is v widened to i16 ([N, C]). Only when
    /// <see cref="FitsInt16"/> holds and the level has vectors.
    /// </summary>
    public static void CountsTimesValues(ReadOnlySpan<int> counts, ReadOnlySpan<short> value16, int tokens, int channels, int heads, Span<int> output, SimdLevel level)
    {
        int depth = channels / heads;
        ref short v0 = ref MemoryMarshal.GetReference(value16);
        ref int o0 = ref MemoryMarshal.GetReference(output);
        for (int n = 0; n < tokens; n++)
        for (int g = 0; g < heads; g++)
        {
            ReadOnlySpan<int> row = counts.Slice((g * tokens + n) * tokens, tokens);
            int j = 0, column = g * depth;
            ref int target = ref Unsafe.Add(ref o0, n * channels + column);
            ref short values = ref Unsafe.Add(ref v0, column);
            if (level == SimdLevel.Avx512)
            {
                for (; j + 64 <= depth; j += 64)
                    Row512x64(row, ref Unsafe.Add(ref values, j), channels, ref Unsafe.Add(ref target, j));
                for (; j + 32 <= depth; j += 32)
                    Row512x32(row, ref Unsafe.Add(ref values, j), channels, ref Unsafe.Add(ref target, j));
            }
            for (; level != SimdLevel.Scalar && j + 16 <= depth; j += 16)
                Row256x16(row, ref Unsafe.Add(ref values, j), channels, ref Unsafe.Add(ref target, j));
            for (; j < depth; j++)
            {
                int sum = 0;
                for (int m = 0; m < row.Length; m++)
                    sum += row[m] * Unsafe.Add(ref values, m * channels + j);
                Unsafe.Add(ref target, j) = sum;
            }
        }
    }

    private static void Row512x64(ReadOnlySpan<int> row, ref short values, int stride, ref int target)
    {
        Vector512<short> a0 = default, a1 = default;
        for (int m = 0; m < row.Length; m++)
        {
            var count = Vector512.Create((short)row[m]);
            ref short v = ref Unsafe.Add(ref values, m * stride);
            a0 += count * Vector512.LoadUnsafe(ref v, 0);
            a1 += count * Vector512.LoadUnsafe(ref v, 32);
        }
        Store(a0, ref target, 0);
        Store(a1, ref target, 32);
    }

    private static void Row512x32(ReadOnlySpan<int> row, ref short values, int stride, ref int target)
    {
        Vector512<short> a0 = default;
        for (int m = 0; m < row.Length; m++)
            a0 += Vector512.Create((short)row[m]) * Vector512.LoadUnsafe(ref Unsafe.Add(ref values, m * stride));
        Store(a0, ref target, 0);
    }

    private static void Row256x16(ReadOnlySpan<int> row, ref short values, int stride, ref int target)
    {
        Vector256<short> a0 = default;
        for (int m = 0; m < row.Length; m++)
            a0 += Vector256.Create((short)row[m]) * Vector256.LoadUnsafe(ref Unsafe.Add(ref values, m * stride));
        var (low, high) = Vector256.Widen(a0);
        low.StoreUnsafe(ref target, 0);
        high.StoreUnsafe(ref target, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<short> sum, ref int target, nuint offset)
    {
        var (low, high) = Vector512.Widen(sum);
        low.StoreUnsafe(ref target, offset);
        high.StoreUnsafe(ref target, offset + 16);
    }

    /// <summary>u8 [N, C] widened to i16, 32 bytes per step.</summary>
    public static void Widen(ReadOnlySpan<byte> source, Span<short> target)
    {
        int i = 0;
        ref byte s0 = ref MemoryMarshal.GetReference(source);
        ref short t0 = ref MemoryMarshal.GetReference(target);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= source.Length; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref s0, (nuint)i));
                low.AsInt16().StoreUnsafe(ref t0, (nuint)i);
                high.AsInt16().StoreUnsafe(ref t0, (nuint)i + 16);
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref t0, i) = Unsafe.Add(ref s0, i);
    }

    /// <summary>The largest value of a u8 buffer.</summary>
    public static int MaxOf(ReadOnlySpan<byte> values) => (int)MaxOf<byte>(values);

    private static long MaxOf<T>(ReadOnlySpan<T> values)
        where T : unmanaged, INumber<T>
    {
        var best = Vector256<T>.Zero;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref T v0 = ref MemoryMarshal.GetReference(values);
            for (; i + Vector256<T>.Count <= values.Length; i += Vector256<T>.Count)
                best = Vector256.Max(best, Vector256.LoadUnsafe(ref v0, (nuint)i));
        }
        T max = T.Zero;
        for (int lane = 0; lane < Vector256<T>.Count; lane++)
            max = T.Max(max, best[lane]);
        for (; i < values.Length; i++)
            max = T.Max(max, values[i]);
        return long.CreateTruncating(max);
    }

    /// <summary>Nonzero count and sum of a u8 buffer (the attention counters): 32 bytes per compare and vpsadbw.</summary>
    public static (long Events, long Sum) EventsAndSum(ReadOnlySpan<byte> driver)
    {
        long zeros = 0, sum = 0;
        int i = 0;
        ref byte d0 = ref MemoryMarshal.GetReference(driver);
        if (Avx2.IsSupported)
        {
            var sums = Vector256<ulong>.Zero;
            for (; i + 32 <= driver.Length; i += 32)
            {
                var v = Vector256.LoadUnsafe(ref d0, (nuint)i);
                zeros += BitOperations.PopCount(Vector256.Equals(v, Vector256<byte>.Zero).ExtractMostSignificantBits());
                sums += Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt64();
            }
            sum = (long)Vector256.Sum(sums);
        }
        for (; i < driver.Length; i++)
        {
            byte value = Unsafe.Add(ref d0, i);
            zeros += value == 0 ? 1 : 0;
            sum += value;
        }
        return (driver.Length - zeros, sum);
    }
}
