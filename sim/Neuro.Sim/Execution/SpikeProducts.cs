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
/// whole sum provably fits int16, four m per multiply when counts and v also fit bytes. Integer sums are exact in any
/// order (spike-program.md §3.9).
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
        FitsInt16((uint)MaxOf(MemoryMarshal.Cast<int, uint>(counts)), MaxOf(value), tokens);

    /// <summary><see cref="FitsInt16(ReadOnlySpan{int}, ReadOnlySpan{byte}, int)"/> from the largest count (read as unsigned) and v.</summary>
    public static bool FitsInt16(uint largestCount, int largestValue, int tokens) =>
        (long)tokens * largestCount * largestValue <= short.MaxValue;

    /// <summary>Bytes per head row of <see cref="NarrowCounts"/>: N rounded up to whole quads of m.</summary>
    public static int QuadStride(int tokens) => (tokens + 3) & ~3;

    /// <summary>
    /// bytes[r · <see cref="QuadStride"/> + m] = low byte of counts[r, m] for the h·N rows of N counts, zero past N; returns
    /// the largest count read as unsigned, so a negative count is never taken for a small one. The bytes are the counts
    /// only when that is ≤ 255. With AVX-512, 64 counts per two vpackusdw, one vpackuswb and one vpermd (the packs
    /// saturate, which changes nothing below 256), and whole steps as one row when N is a multiple of 4 (no padding).
    /// </summary>
    public static uint NarrowCounts(ReadOnlySpan<int> counts, int tokens, Span<byte> bytes, SimdLevel level)
    {
        int stride = QuadStride(tokens);
        // Without padding the rows are contiguous on both sides, so the step is one long row.
        int length = stride == tokens ? counts.Length : tokens, rows = counts.Length / length;
        ref int c0 = ref MemoryMarshal.GetReference(counts);
        ref byte b0 = ref MemoryMarshal.GetReference(bytes);
        var order = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var largest512 = Vector512<uint>.Zero;
        var largest256 = Vector256<uint>.Zero;
        uint largest = 0;
        for (int r = 0; r < rows; r++)
        {
            ref int source = ref Unsafe.Add(ref c0, r * length);
            ref byte target = ref Unsafe.Add(ref b0, r * stride);
            int m = 0;
            if (level == SimdLevel.Avx512)
            {
                for (; m + 64 <= length; m += 64)
                {
                    var x0 = Vector512.LoadUnsafe(ref source, (nuint)m);
                    var x1 = Vector512.LoadUnsafe(ref source, (nuint)m + 16);
                    var x2 = Vector512.LoadUnsafe(ref source, (nuint)m + 32);
                    var x3 = Vector512.LoadUnsafe(ref source, (nuint)m + 48);
                    largest512 = Vector512.Max(largest512, Vector512.Max(Vector512.Max(x0.AsUInt32(), x1.AsUInt32()), Vector512.Max(x2.AsUInt32(), x3.AsUInt32())));
                    // Per 128-bit lane L the packs hold dwords (x0, x1, x2, x3) of counts 4L…4L+3 of each; vpermd restores the order.
                    var packed = Avx512BW.PackUnsignedSaturate(Avx512BW.PackUnsignedSaturate(x0, x1).AsInt16(), Avx512BW.PackUnsignedSaturate(x2, x3).AsInt16());
                    Avx512F.PermuteVar16x32(packed.AsInt32(), order).AsByte().StoreUnsafe(ref target, (nuint)m);
                }
                for (; m + 16 <= length; m += 16)
                {
                    var x = Vector512.LoadUnsafe(ref source, (nuint)m).AsUInt32();
                    largest512 = Vector512.Max(largest512, x);
                    Avx512F.ConvertToVector128Byte(x).StoreUnsafe(ref target, (nuint)m);
                }
            }
            else if (level == SimdLevel.Avx2)
            {
                for (; m + 16 <= length; m += 16)
                {
                    var low = Vector256.LoadUnsafe(ref source, (nuint)m).AsUInt32();
                    var high = Vector256.LoadUnsafe(ref source, (nuint)m + 8).AsUInt32();
                    largest256 = Vector256.Max(largest256, Vector256.Max(low, high));
                    var words = Vector256.Narrow(low, high);
                    Vector128.Narrow(words.GetLower(), words.GetUpper()).StoreUnsafe(ref target, (nuint)m);
                }
            }
            for (; m < length; m++)
            {
                uint count = (uint)Unsafe.Add(ref source, m);
                largest = Math.Max(largest, count);
                Unsafe.Add(ref target, m) = (byte)count;
            }
            for (; m < stride; m++)
                Unsafe.Add(ref target, m) = 0;
        }
        var wide = Vector256.Max(Vector256.Max(largest512.GetLower(), largest512.GetUpper()), largest256);
        for (int lane = 0; lane < Vector256<uint>.Count; lane++)
            largest = Math.Max(largest, wide[lane]);
        return largest;
    }

    /// <summary>
    /// quads[q · C + c] = v[4q + k, c] in byte k of one u32 (rows past N are 0): the layout that lets one 32-bit broadcast
    /// of four counts multiply four v rows at once. Four rows of 32 channels per pass: bytes then words interleaved by
    /// unpacks, whose 128-bit lanes one vperm2i128 per output puts back in channel order.
    /// </summary>
    public static void InterleaveQuads(ReadOnlySpan<byte> value, int tokens, int channels, Span<uint> quads, SimdLevel level)
    {
        ref byte v0 = ref MemoryMarshal.GetReference(value);
        ref uint q0 = ref MemoryMarshal.GetReference(quads);
        for (int q = 0; q < QuadStride(tokens) / 4; q++)
        {
            int m = 4 * q, c = 0;
            ref uint target = ref Unsafe.Add(ref q0, q * channels);
            for (; level != SimdLevel.Scalar && c + 32 <= channels; c += 32)
            {
                var r0 = Vector256.LoadUnsafe(ref v0, (nuint)(m * channels + c));
                var r1 = m + 1 < tokens ? Vector256.LoadUnsafe(ref v0, (nuint)((m + 1) * channels + c)) : default;
                var r2 = m + 2 < tokens ? Vector256.LoadUnsafe(ref v0, (nuint)((m + 2) * channels + c)) : default;
                var r3 = m + 3 < tokens ? Vector256.LoadUnsafe(ref v0, (nuint)((m + 3) * channels + c)) : default;
                // Per 128-bit lane L (channels 16L…16L+15): low01 holds channels 16L+0…7 as byte pairs, high01 16L+8…15.
                var low01 = Avx2.UnpackLow(r0, r1).AsInt16();
                var high01 = Avx2.UnpackHigh(r0, r1).AsInt16();
                var low23 = Avx2.UnpackLow(r2, r3).AsInt16();
                var high23 = Avx2.UnpackHigh(r2, r3).AsInt16();
                // Channel quads 16L+0…3, 4…7, 8…11, 12…15.
                var w0 = Avx2.UnpackLow(low01, low23).AsUInt32();
                var w1 = Avx2.UnpackHigh(low01, low23).AsUInt32();
                var w2 = Avx2.UnpackLow(high01, high23).AsUInt32();
                var w3 = Avx2.UnpackHigh(high01, high23).AsUInt32();
                Avx2.Permute2x128(w0, w1, 0x20).StoreUnsafe(ref target, (nuint)c);
                Avx2.Permute2x128(w2, w3, 0x20).StoreUnsafe(ref target, (nuint)c + 8);
                Avx2.Permute2x128(w0, w1, 0x31).StoreUnsafe(ref target, (nuint)c + 16);
                Avx2.Permute2x128(w2, w3, 0x31).StoreUnsafe(ref target, (nuint)c + 24);
            }
            for (; c < channels; c++)
            {
                uint word = 0;
                for (int k = 0; k < 4 && m + k < tokens; k++)
                    word |= (uint)Unsafe.Add(ref v0, (m + k) * channels + c) << (8 * k);
                Unsafe.Add(ref target, c) = word;
            }
        }
    }

    /// <summary>
    /// out[n, g·d + j] = Σ_m counts[g, n, m] · v[m, g·d + j] from <see cref="NarrowCounts"/>' bytes and
    /// <see cref="InterleaveQuads"/>' quads, densely: vpmaddubsw multiplies one broadcast of four counts (u8) by 16 (8 with
    /// AVX2) channels' four v bytes (s8) and sums them in pairs into i16 lanes, which hold each column's two half sums
    /// over all m for four tokens at once; vpmaddwd by 1 adds the halves into i32. Each multiply covers four m where the
    /// i16 form's covers one, and the broadcast is a plain 32-bit load. Exact only when every count ≤ 255, every v ≤ 127 and
    /// <see cref="FitsInt16(uint, int, int)"/> holds: every term is ≥ 0, so no pair or half sum exceeds the whole, which
    /// fits int16 (vpmaddubsw saturates only past it). Heads' columns past a multiple of 8 are summed one at a time.
    /// </summary>
    public static void CountsTimesValueQuads(ReadOnlySpan<byte> countBytes, ReadOnlySpan<uint> quads, int tokens, int channels, int heads, Span<int> output, SimdLevel level)
    {
        int depth = channels / heads, stride = QuadStride(tokens);
        ref byte b0 = ref MemoryMarshal.GetReference(countBytes);
        ref uint q0 = ref MemoryMarshal.GetReference(quads);
        ref int o0 = ref MemoryMarshal.GetReference(output);
        for (int g = 0; g < heads; g++)
        {
            ref byte head = ref Unsafe.Add(ref b0, g * tokens * stride);
            int j = 0;
            for (; level == SimdLevel.Avx512 && j + 16 <= depth; j += 16)
                Quads512(ref head, stride, ref Unsafe.Add(ref q0, g * depth + j), channels, tokens, ref Unsafe.Add(ref o0, g * depth + j));
            for (; level != SimdLevel.Scalar && j + 8 <= depth; j += 8)
                Quads256(ref head, stride, ref Unsafe.Add(ref q0, g * depth + j), channels, tokens, ref Unsafe.Add(ref o0, g * depth + j));
            for (; j < depth; j++)
            {
                int column = g * depth + j;
                for (int n = 0; n < tokens; n++)
                {
                    int sum = 0;
                    for (int m = 0; m < stride; m++)
                        sum += Unsafe.Add(ref head, n * stride + m) * (byte)(Unsafe.Add(ref q0, (m >> 2) * channels + column) >> (8 * (m & 3)));
                    Unsafe.Add(ref o0, n * channels + column) = sum;
                }
            }
        }
    }

    /// <summary>16 columns of a head for every token, four tokens per pass (a tail pass repeats its last token and stores only the real ones).</summary>
    private static void Quads512(ref byte head, int stride, ref uint values, int channels, int tokens, ref int target)
    {
        var ones = Vector512.Create((short)1);
        for (int n = 0; n < tokens; n += 4)
        {
            int rows = Math.Min(4, tokens - n);
            ref byte r0 = ref Unsafe.Add(ref head, n * stride);
            ref byte r1 = ref Unsafe.Add(ref r0, rows > 1 ? stride : 0);
            ref byte r2 = ref Unsafe.Add(ref r0, rows > 2 ? 2 * stride : 0);
            ref byte r3 = ref Unsafe.Add(ref r0, rows > 3 ? 3 * stride : 0);
            ref uint v = ref values;
            Vector512<short> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int m = 0; m < stride; m += 4)
            {
                var x = Vector512.LoadUnsafe(ref v).AsSByte();
                a0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r0, m))).AsByte(), x);
                a1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r1, m))).AsByte(), x);
                a2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r2, m))).AsByte(), x);
                a3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r3, m))).AsByte(), x);
                v = ref Unsafe.Add(ref v, channels);
            }
            ref int row = ref Unsafe.Add(ref target, n * channels);
            Avx512BW.MultiplyAddAdjacent(a0, ones).StoreUnsafe(ref row);
            if (rows > 1)
                Avx512BW.MultiplyAddAdjacent(a1, ones).StoreUnsafe(ref row, (nuint)channels);
            if (rows > 2)
                Avx512BW.MultiplyAddAdjacent(a2, ones).StoreUnsafe(ref row, (nuint)(2 * channels));
            if (rows > 3)
                Avx512BW.MultiplyAddAdjacent(a3, ones).StoreUnsafe(ref row, (nuint)(3 * channels));
        }
    }

    /// <summary><see cref="Quads512"/> with 8 columns per 256-bit register.</summary>
    private static void Quads256(ref byte head, int stride, ref uint values, int channels, int tokens, ref int target)
    {
        var ones = Vector256.Create((short)1);
        for (int n = 0; n < tokens; n += 4)
        {
            int rows = Math.Min(4, tokens - n);
            ref byte r0 = ref Unsafe.Add(ref head, n * stride);
            ref byte r1 = ref Unsafe.Add(ref r0, rows > 1 ? stride : 0);
            ref byte r2 = ref Unsafe.Add(ref r0, rows > 2 ? 2 * stride : 0);
            ref byte r3 = ref Unsafe.Add(ref r0, rows > 3 ? 3 * stride : 0);
            ref uint v = ref values;
            Vector256<short> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int m = 0; m < stride; m += 4)
            {
                var x = Vector256.LoadUnsafe(ref v).AsSByte();
                a0 += Avx2.MultiplyAddAdjacent(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r0, m))).AsByte(), x);
                a1 += Avx2.MultiplyAddAdjacent(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r1, m))).AsByte(), x);
                a2 += Avx2.MultiplyAddAdjacent(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r2, m))).AsByte(), x);
                a3 += Avx2.MultiplyAddAdjacent(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r3, m))).AsByte(), x);
                v = ref Unsafe.Add(ref v, channels);
            }
            ref int row = ref Unsafe.Add(ref target, n * channels);
            Avx2.MultiplyAddAdjacent(a0, ones).StoreUnsafe(ref row);
            if (rows > 1)
                Avx2.MultiplyAddAdjacent(a1, ones).StoreUnsafe(ref row, (nuint)channels);
            if (rows > 2)
                Avx2.MultiplyAddAdjacent(a2, ones).StoreUnsafe(ref row, (nuint)(2 * channels));
            if (rows > 3)
                Avx2.MultiplyAddAdjacent(a3, ones).StoreUnsafe(ref row, (nuint)(3 * channels));
        }
    }

    /// <summary>
    /// out[n, g·d + j] = Σ_m counts[g, n, m] · v[m, g·d + j] for all n, densely: each output row of a head is held in i16
    /// registers (64 columns in two 512-bit or four 256-bit registers) over all m, one broadcast count times one v row per
    /// m, then widened to i32. <paramref name="value16"/> is v widened to i16 ([N, C]). Only when
    /// <see cref="FitsInt16(ReadOnlySpan{int}, ReadOnlySpan{byte}, int)"/> holds and the level has vectors.
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
