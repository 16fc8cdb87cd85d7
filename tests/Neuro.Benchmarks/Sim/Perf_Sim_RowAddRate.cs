using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace Neuro.Benchmarks.Sim;

/// <summary>
/// The row-add rate this machine sustains, by weight footprint: the instruction pattern of the simulator's event walks
/// (each event sign-extends one i8 weight row to i16 with <c>vpmovsxbw</c> and adds it into registers held over the
/// events, widened into i32 every 256 events) over random rows of a table of <see cref="TableKiB"/>, with nothing else
/// in the loop. One operation is one event, so lanes per second = <see cref="Outputs"/> ÷ the mean. This is the ceiling
/// the simulator's convs and linears are held against (docs/simulator.md §5): whatever else a step does comes on top,
/// and a layer whose rows do not fit L1 adds them at the L2 or L3 rate measured here.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class Perf_Sim_RowAddRate
{
    private const int Events = 1 << 20, Group = 256;
    private sbyte[] _table = [];
    private int[] _rowOffsets = [];
    private readonly int[] _sums = new int[256];

    /// <summary>Weight row length in i8 (one 512-bit register per 32).</summary>
    [Params(64, 256)]
    public int Outputs { get; set; }

    /// <summary>Weight table size: 16 KiB stays in L1, 256 KiB in L2 (a 128 → 256 3 × 3 conv holds 288 KiB), 4 MiB in L3.</summary>
    [Params(16, 256, 4096)]
    public int TableKiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!Avx512BW.IsSupported)
            throw new PlatformNotSupportedException("the row-add rate is measured with the AVX-512 walk the simulator runs");
        var random = new Random(7);
        _table = new sbyte[TableKiB * 1024];
        random.NextBytes(MemoryMarshal.AsBytes(_table.AsSpan()));
        int rows = _table.Length / Outputs;
        _rowOffsets = [.. Enumerable.Range(0, Events).Select(_ => random.Next(rows) * Outputs)];
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int AddRows() => Outputs == 64 ? Rows64() : Rows256();

    private int Rows64()
    {
        ref sbyte table = ref MemoryMarshal.GetArrayDataReference(_table);
        ref int sums = ref MemoryMarshal.GetArrayDataReference(_sums);
        for (int first = 0; first < Events; first += Group)
        {
            Vector512<short> n0 = default, n1 = default;
            foreach (int offset in _rowOffsets.AsSpan(first, Group))
            {
                ref sbyte row = ref Unsafe.Add(ref table, offset);
                n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
            }
            Widen(ref sums, 0, n0);
            Widen(ref sums, 32, n1);
        }
        return _sums[0];
    }

    private int Rows256()
    {
        ref sbyte table = ref MemoryMarshal.GetArrayDataReference(_table);
        ref int sums = ref MemoryMarshal.GetArrayDataReference(_sums);
        for (int first = 0; first < Events; first += Group)
        {
            Vector512<short> n0 = default, n1 = default, n2 = default, n3 = default, n4 = default, n5 = default, n6 = default, n7 = default;
            foreach (int offset in _rowOffsets.AsSpan(first, Group))
            {
                ref sbyte row = ref Unsafe.Add(ref table, offset);
                n0 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 0));
                n1 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 32));
                n2 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 64));
                n3 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 96));
                n4 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 128));
                n5 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 160));
                n6 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 192));
                n7 += Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row, 224));
            }
            Widen(ref sums, 0, n0);
            Widen(ref sums, 32, n1);
            Widen(ref sums, 64, n2);
            Widen(ref sums, 96, n3);
            Widen(ref sums, 128, n4);
            Widen(ref sums, 160, n5);
            Widen(ref sums, 192, n6);
            Widen(ref sums, 224, n7);
        }
        return _sums[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ref int sums, nuint offset, Vector512<short> narrow)
    {
        var (low, high) = Vector512.Widen(narrow);
        (Vector512.LoadUnsafe(ref sums, offset) + low).StoreUnsafe(ref sums, offset);
        (Vector512.LoadUnsafe(ref sums, offset + 16) + high).StoreUnsafe(ref sums, offset + 16);
    }
}
