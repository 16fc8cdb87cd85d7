using System.Numerics;
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
    /// As <see cref="LifScalar(ReadOnlySpan{int}, Span{int}, Span{byte}, ReadOnlySpan{int}, int, int)"/> with one θ per run
    /// of <paramref name="run"/> neurons: neurons [r·run, (r + 1)·run) compare against <paramref name="runTheta"/>[r mod its
    /// length] (the channels of a [C, H, W] map, repeated if the channel axis is not the outermost).
    /// </summary>
    public static long LifScalarRuns(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> runTheta, int run, int leak, int fractionalBits)
    {
        long fired = 0;
        for (int j = 0; j < v.Length; j++)
        {
            byte spike = IntegerMath.LifStep(ref v[j], x[j], runTheta[j / run % runTheta.Length], leak, fractionalBits);
            spikes[j] = spike;
            fired += spike;
        }
        return fired;
    }

    /// <summary>
    /// The AVX-512 update with one broadcast θ per run of <paramref name="run"/> neurons (see
    /// <see cref="LifScalarRuns"/>): a whole map in one call, so its constants are set up once per map rather than once
    /// per channel (the microcontroller model's 8 × 8 maps have runs of four vectors) and no θ array is read. Runs are
    /// whole vectors (a multiple of 16 neurons); the last may be cut short.
    /// </summary>
    public static long LifAvx512Runs(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> runTheta, int run, int leak, int fractionalBits)
    {
        if (run <= 0 || run % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(run), run, "runs must be whole 16-neuron vectors");
        return LifAvx512(x, v, spikes, default, runTheta, run, leak, fractionalBits);
    }

    /// <summary>
    /// θ per neuron, 16 neurons per iteration. Each int32 input and membrane is sign-extended to int64, so the drive
    /// ((X ≪ F) − V, below 2^46) times k (≤ 2^16) stays below 2^62 exactly as in the reference; the rounding shift is an
    /// arithmetic shift of (product + 2^15); sat32 clamps in int64 before narrowing. Spikes are the lanes with H ≥ θ,
    /// narrowed to bytes (vpmovdb).
    /// <para>
    /// When k = 2^s (τ = 2 gives 2^15, every preset) a vector whose lanes all satisfy |X ≪ F| ≤ 2^30 and
    /// |V| ≤ 2^30 − 2^15 (what the compiler's choice of F keeps, spike-program.md §3.3) stays in int32 lanes: there
    /// round_shift((X ≪ F − V)·2^s, 16) = (X ≪ F − V + 2^(15−s)) ≫ (16 − s) (for s = 16: X ≪ F − V), the drive plus its
    /// rounding term stays inside int32 and H = V + step cannot saturate, so 16 neurons cost a handful of 512-bit
    /// operations instead of the int64 path's two halves with vpmullq. Other vectors take the int64 path.
    /// </para>
    /// </summary>
    public static long LifAvx512(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> theta, int leak, int fractionalBits) =>
        LifAvx512(x, v, spikes, theta, default, int.MaxValue, leak, fractionalBits);

    /// <summary>θ per neuron from <paramref name="theta"/>, or per run from <paramref name="runTheta"/> when that span is empty.</summary>
    private static long LifAvx512(ReadOnlySpan<int> x, Span<int> v, Span<byte> spikes, ReadOnlySpan<int> theta, ReadOnlySpan<int> runTheta, int runLength, int leak, int fractionalBits)
    {
        bool perNeuron = !theta.IsEmpty;
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
        bool narrow = BitOperations.IsPow2(leak) && leak <= 1 << IntegerMath.LeakShift;
        int shift = IntegerMath.LeakShift - BitOperations.Log2((uint)leak);
        var round = Vector512.Create(shift == 0 ? 0 : 1 << (shift - 1));
        // Unsigned range tests: X + 2^(30−F) < 2^(31−F) ⇔ −2^(30−F) ≤ X < 2^(30−F); V + (2^30 − 2^15) ≤ 2^31 − 2^16 ⇔ |V| ≤ 2^30 − 2^15.
        var inputBias = Vector512.Create(1u << (30 - fractionalBits));
        var inputLimit = Vector512.Create(1u << (31 - fractionalBits));
        var membraneBias = Vector512.Create((1u << 30) - (1u << 15));
        var membraneLimit = Vector512.Create((1u << 31) - (1u << 16));
        // Runs are whole vectors (run % 16 = 0), so no vector straddles two thresholds and the θ broadcast changes only
        // between vectors; the scalar tail after the loop lies inside one run.
        int length = v.Length, j = 0, run = 0, nextRun = runLength;
        var thetaRun = Vector512.Create(perNeuron ? 0 : runTheta[0]);
        for (; j + 16 <= length; j += 16)
        {
            if (j == nextRun)
            {
                thetaRun = Vector512.Create(runTheta[++run % runTheta.Length]);
                nextRun += runLength;
            }
            var input = Vector512.LoadUnsafe(ref x0, (nuint)j);
            var membrane = Vector512.LoadUnsafe(ref v0, (nuint)j);
            Vector512<int> charged;
            if (narrow && Vector512.LessThanAll(input.AsUInt32() + inputBias, inputLimit)
                && Vector512.LessThanOrEqualAll(membrane.AsUInt32() + membraneBias, membraneLimit))
            {
                var drive = Vector512.ShiftLeft(input, fractionalBits) - membrane;
                charged = membrane + Vector512.ShiftRightArithmetic(drive + round, shift);
            }
            else
            {
                var low = Charge(Vector512.WidenLower(input), Vector512.WidenLower(membrane), k, half, min, max, fractionalBits);
                var high = Charge(Vector512.WidenUpper(input), Vector512.WidenUpper(membrane), k, half, min, max, fractionalBits);
                charged = Vector512.Narrow(low, high);
            }
            var fire = Vector512.GreaterThanOrEqual(charged, perNeuron ? Vector512.LoadUnsafe(ref t0, (nuint)j) : thetaRun);
            Vector512.AndNot(charged, fire).StoreUnsafe(ref v0, (nuint)j);
            var spike = fire & one;
            count += spike;
            Avx512F.ConvertToVector128Byte(spike).StoreUnsafe(ref Unsafe.Add(ref s0, j));
        }
        long fired = Vector512.Sum(count);
        if (j < length)
        {
            fired += perNeuron
                ? LifScalar(x[j..], v[j..], spikes[j..], theta[j..], leak, fractionalBits)
                : LifScalarRuns(x[j..], v[j..], spikes[j..], [runTheta[j / runLength % runTheta.Length]], length - j, leak, fractionalBits);
        }
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
