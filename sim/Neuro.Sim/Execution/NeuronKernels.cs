using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Neuro.Program;

namespace Neuro.Sim.Execution;

/// <summary>The LIF update over a flat run of neurons, scalar and AVX-512; both return the number of spikes.</summary>
internal static class NeuronKernels
{
    /// <summary>The reference's <see cref="IntegerMath.LifStep"/> per neuron.</summary>
    public static long LifScalar(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> theta, int leak, int fractionalBits)
    {
        long fired = 0;
        for (int j = 0; j < v.Length; j++)
        {
            byte spike = IntegerMath.LifStep(ref v[j], x[j], theta[j], leak, fractionalBits);
            spikes[j] = spike;
            fired += spike;
        }
        return fired;
    }

    /// <summary>
    /// 16 neurons per iteration. Each int32 input and membrane is sign-extended to int64, so the drive
    /// ((X ≪ F) − V, below 2^46) times k (≤ 2^16) stays below 2^62 exactly as in the reference; the rounding shift is an
    /// arithmetic shift of (product + 2^15); sat32 clamps in int64 before narrowing. Spikes are the lanes with H ≥ θ,
    /// narrowed to bytes (vpmovdb).
    /// </summary>
    public static long LifAvx512(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> theta, int leak, int fractionalBits)
    {
        int length = v.Length, j = 0;
        ref int x0 = ref MemoryMarshal.GetReference(x);
        ref int v0 = ref MemoryMarshal.GetReference(v);
        ref int t0 = ref MemoryMarshal.GetReference(theta);
        ref byte s0 = ref MemoryMarshal.GetReference(spikes);
        var k = Vector512.Create((long)leak);
        var half = Vector512.Create(1L << (IntegerMath.LeakShift - 1));
        var min = Vector512.Create((long)int.MinValue);
        var max = Vector512.Create((long)int.MaxValue);
        var one = Vector512.Create(1);
        var count = Vector512<int>.Zero;
        for (; j + 16 <= length; j += 16)
        {
            var input = Vector512.LoadUnsafe(ref x0, (nuint)j);
            var membrane = Vector512.LoadUnsafe(ref v0, (nuint)j);
            var low = Charge(Vector512.WidenLower(input), Vector512.WidenLower(membrane), k, half, min, max, fractionalBits);
            var high = Charge(Vector512.WidenUpper(input), Vector512.WidenUpper(membrane), k, half, min, max, fractionalBits);
            var charged = Vector512.Narrow(low, high);
            var fire = Vector512.GreaterThanOrEqual(charged, Vector512.LoadUnsafe(ref t0, (nuint)j));
            Vector512.AndNot(charged, fire).StoreUnsafe(ref v0, (nuint)j);
            var spike = fire & one;
            count += spike;
            Avx512F.ConvertToVector128Byte(spike).StoreUnsafe(ref Unsafe.Add(ref s0, j));
        }
        long fired = Vector512.Sum(count);
        if (j < length)
            fired += LifScalar(x[j..], v[j..], spikes[j..], theta[j..], leak, fractionalBits);
        return fired;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Charge(Vector512<long> x, Vector512<long> v, Vector512<long> k, Vector512<long> half,
        Vector512<long> min, Vector512<long> max, int fractionalBits)
    {
        var drive = Vector512.ShiftLeft(x, fractionalBits) - v;
        var step = Vector512.ShiftRightArithmetic(drive * k + half, IntegerMath.LeakShift);
        return Vector512.Min(Vector512.Max(v + step, min), max);
    }
}
