using Neuro.Program.Tests.Support;
using Neuro.Sim.Execution;

namespace Neuro.Sim.Tests;

/// <summary>The row kernels alone against plain loops, at every length from 1 to 140 so each tile width and tail is reached.</summary>
public class RowKernelTests
{
    public static TheoryData<int> Lengths => [.. Enumerable.Range(1, 140)];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Accumulating_rows_equals_the_plain_sum_for_spikes_and_for_counts(int length)
    {
        var random = new SplitMix64((ulong)length);
        const int rowsInMatrix = 12;
        short[] weights = [.. Enumerable.Range(0, rowsInMatrix * length).Select(_ => (short)random.Next(-128, 127))];
        int[] bias = [.. Enumerable.Range(0, length).Select(_ => random.Next(-1000, 1000))];
        int[] rows = [.. Enumerable.Range(0, 7).Select(_ => random.Next(0, rowsInMatrix - 1) * length)];
        foreach (bool unit in new[] { true, false })
        {
            int[] values = [.. rows.Select(_ => unit ? 1 : random.Next(1, 255))];
            int[] expected = [.. bias];
            for (int e = 0; e < rows.Length; e++)
            for (int o = 0; o < length; o++)
                expected[o] += weights[rows[e] + o] * values[e];
            int[] actual = [.. bias];
            RowKernels.AccumulateRows(actual, weights, rows, values, unit);
            Assert.Equal(expected, actual);

            int[] wide = [.. weights.Select(w => w * 1000)];
            int[] expectedWide = [.. bias];
            for (int e = 0; e < rows.Length; e++)
            for (int o = 0; o < length; o++)
                expectedWide[o] += wide[rows[e] + o] * values[e];
            foreach (var level in Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best))
            {
                int[] actualWide = [.. bias];
                RowKernels.AccumulateRows(actualWide, wide, rows, values, unit, level);
                Assert.Equal(expectedWide, actualWide);
            }
        }
    }

    [Fact]
    public void Events_are_collected_in_order_with_their_values_and_sum()
    {
        byte[] row = new byte[75];
        row[0] = 1;
        row[33] = 7;
        row[74] = 2;
        int[] rows = new int[75], values = new int[75];
        int count = RowKernels.CollectEvents(row, 10, 3, rows, values, out long sum, out int max);
        Assert.Equal(3, count);
        Assert.Equal([3, 333, 743], rows[..3]);
        Assert.Equal([1, 7, 2], values[..3]);
        Assert.Equal(10, sum);
        Assert.Equal(7, max);
    }

    public static TheoryData<string> Levels => [.. Enum.GetValues<SimdLevel>().Where(l => l <= RowKernels.Best).Select(l => l.ToString())];

    [Theory]
    [MemberData(nameof(Levels))]
    public void Narrow_segments_equal_the_plain_sum_across_i16_group_boundaries(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        var random = new SplitMix64(77 + (ulong)level);
        foreach (int length in new[] { 32, 64, 96, 160 })
        foreach (bool unit in new[] { true, false })
        {
            const int rowsInMatrix = 40, events = 700;
            // Mostly extreme weights (−128, 127): 700 spikes of one sign would overflow i16 without the grouped widening.
            sbyte[] weights = [.. Enumerable.Range(0, rowsInMatrix * length).Select(_ => (sbyte)(random.Chance(70) ? (random.Chance(50) ? -128 : 127) : random.Next(-128, 127)))];
            int[] bias = [.. Enumerable.Range(0, length).Select(_ => random.Next(-100000, 100000))];
            int[] rows = [.. Enumerable.Range(0, events).Select(_ => random.Next(0, rowsInMatrix - 4) * length)];
            int[] values = [.. rows.Select(_ => unit ? 1 : random.Chance(20) ? 255 : random.Next(1, 255))];
            Segment[] segments = [new(0, 250, 0), new(250, 250, length), new(250, 600, 2 * length), new(600, events, 3 * length)];
            int[] expected = [.. bias];
            foreach (var segment in segments)
            {
                for (int e = segment.First; e < segment.End; e++)
                for (int o = 0; o < length; o++)
                    expected[o] += weights[rows[e] + segment.Offset + o] * values[e];
            }
            int[] actual = [.. bias];
            RowKernels.AccumulateSegments(actual, weights, rows, values, segments, unit, RowKernels.NarrowGroup(128, values.Max()), level);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Scaled_planes_in_i16_widen_into_the_i32_sum(string levelName)
    {
        var level = Enum.Parse<SimdLevel>(levelName);
        var random = new SplitMix64(5 + (ulong)level);
        const int length = 96;
        short[][] planes = [.. Enumerable.Range(0, 9).Select(_ => Enumerable.Range(0, length).Select(_ => (short)random.Next(0, 255)).ToArray())];
        short[] weights = [.. Enumerable.Range(0, 9).Select(i => (short)(i % 2 == 0 ? -128 : 127))];
        int group = RowKernels.NarrowGroup(128, 255);
        Assert.Equal(1, group);
        int[] expected = new int[length], wide = new int[length];
        short[] narrow = new short[length];
        for (int k = 0; k < planes.Length; k++)
        {
            for (int i = 0; i < length; i++)
                expected[i] += planes[k][i] * weights[k];
            RowKernels.AddScaled(narrow, planes[k], weights[k], level);
            RowKernels.WidenInto(wide, narrow, level);
        }
        Assert.Equal(expected, wide);
        Assert.All(narrow, value => Assert.Equal(0, value));
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void A_tile_of_positions_transposes_into_channel_planes_for_every_count_and_channel_tail(string level)
    {
        var random = new SplitMix64(5);
        foreach (int count in new[] { 1, 7, 15, 16 })
        foreach (int channels in new[] { 1, 15, 16, 17, 32, 70 })
        {
            int stride = RowKernels.Padded(channels), planeLength = 40, first = 3;
            int[] tile = [.. Enumerable.Range(0, 16 * stride).Select(_ => random.Next(-1 << 30, 1 << 30))];
            int[] planes = [.. Enumerable.Range(0, channels * planeLength).Select(_ => random.Next(-9, 9))];
            int[] expected = [.. planes];
            for (int o = 0; o < channels; o++)
            for (int i = 0; i < count; i++)
                expected[o * planeLength + first + i] = tile[i * stride + o];
            RowKernels.TransposeTile(tile, count, stride, channels, planes, planeLength, first, Enum.Parse<SimdLevel>(level));
            Assert.Equal(expected, planes);
        }
    }

    [Theory]
    [InlineData(1, 1, 32767)]
    [InlineData(127, 1, 258)]
    [InlineData(128, 1, 255)]
    [InlineData(128, 255, 1)]
    [InlineData(0, 0, 32767)]
    public void The_i16_group_never_lets_a_partial_sum_leave_int16(int maxAbsWeight, int maxValue, int group)
    {
        Assert.Equal(group, RowKernels.NarrowGroup(maxAbsWeight, maxValue));
        Assert.True((long)group * maxAbsWeight * maxValue <= short.MaxValue);
    }
}

/// <summary>The AVX-512 LIF against <see cref="Neuro.Program.IntegerMath.LifStep"/> on random and extreme membranes, inputs, leaks and thresholds.</summary>
public class NeuronKernelTests
{
    [Fact]
    public void Vector_lif_equals_the_reference_step_on_random_and_extreme_values()
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var random = new SplitMix64(11);
        int[] extremes = [int.MinValue, int.MinValue + 1, -1, 0, 1, int.MaxValue - 1, int.MaxValue];
        int Pick() => random.Chance(30) ? extremes[random.Next(0, extremes.Length - 1)] : random.Next(-1 << 20, 1 << 20);
        foreach (int leak in new[] { 1, 21845, 32768, 65535, 65536 })
        foreach (int bits in new[] { 0, 1, 7, 14 })
        foreach (int length in new[] { 1, 15, 16, 17, 47, 200 })
        {
            int[] x = [.. Enumerable.Range(0, length).Select(_ => Pick())];
            int[] v = [.. Enumerable.Range(0, length).Select(_ => Pick())];
            int[] theta = [.. Enumerable.Range(0, length).Select(_ => Pick())];
            AssertAvx512LifEqualsScalar(x, v, theta, leak, bits);
        }
    }

    /// <summary>
    /// The int32 lanes of a power-of-two leak hold only while X ≪ F and V stay within their bounds; values on both sides
    /// of each bound must give the reference's membranes whichever path a vector takes (a vector mixing both takes the
    /// int64 path, a vector all inside takes the int32 one).
    /// </summary>
    [Fact]
    public void Power_of_two_leaks_equal_the_reference_step_on_both_sides_of_the_int32_bounds()
    {
        if (RowKernels.Best < SimdLevel.Avx512)
            return;
        var random = new SplitMix64(12);
        foreach (int leak in new[] { 1, 2, 1 << 8, 1 << 14, 1 << 15, 1 << 16 })
        foreach (int bits in new[] { 0, 3, 11, 14 })
        {
            int inputBound = 1 << (30 - bits), membraneBound = (1 << 30) - (1 << 15);
            int[] inputEdges = [-inputBound - 1, -inputBound, -inputBound + 1, -1, 0, 1, inputBound - 1, inputBound];
            int[] membraneEdges = [-membraneBound - 1, -membraneBound, -1, 0, 1, membraneBound, membraneBound + 1];
            foreach (bool inside in new[] { true, false })
            {
                int length = 64;
                int[] x = [.. Enumerable.Range(0, length).Select(_ => inside
                    ? random.Next(-inputBound, inputBound - 1)
                    : inputEdges[random.Next(0, inputEdges.Length - 1)])];
                int[] v = [.. Enumerable.Range(0, length).Select(_ => inside
                    ? random.Next(-membraneBound, membraneBound)
                    : membraneEdges[random.Next(0, membraneEdges.Length - 1)])];
                int[] theta = [.. Enumerable.Range(0, length).Select(_ => random.Next(-membraneBound, membraneBound))];
                AssertAvx512LifEqualsScalar(x, v, theta, leak, bits);
            }
        }
    }

    [Fact]
    public void Thresholds_broadcast_per_run_equal_the_reference_step_with_each_runs_threshold()
    {
        var random = new SplitMix64(13);
        foreach (int length in new[] { 1, 16, 63, 64, 200 })
        foreach (int run in new[] { 16, 32, 64 })
        foreach (int leak in new[] { 21845, 32768 })
        {
            // Fewer thresholds than runs when the channel axis is not the outermost: they repeat.
            int[] runTheta = [.. Enumerable.Range(0, 3).Select(_ => random.Next(1, 1 << 16))];
            int[] x = [.. Enumerable.Range(0, length).Select(_ => random.Next(-1 << 12, 1 << 12))];
            int[] v = [.. Enumerable.Range(0, length).Select(_ => random.Next(-1 << 16, 1 << 16))];
            int[] theta = [.. Enumerable.Range(0, length).Select(j => runTheta[j / run % runTheta.Length])];
            int[] expectedV = [.. v], scalarV = [.. v];
            byte[] expectedS = new byte[length], scalarS = new byte[length];
            long expectedFired = NeuronKernels.LifScalar(x, expectedV, expectedS, theta, leak, 12);
            Assert.Equal(expectedFired, NeuronKernels.LifScalarRuns(x, scalarV, scalarS, runTheta, run, leak, 12));
            Assert.Equal(expectedV, scalarV);
            Assert.Equal(expectedS, scalarS);
            if (RowKernels.Best < SimdLevel.Avx512)
                continue;
            int[] vectorV = [.. v];
            byte[] vectorS = new byte[length];
            Assert.Equal(expectedFired, NeuronKernels.LifAvx512Runs(x, vectorV, vectorS, runTheta, run, leak, 12));
            Assert.Equal(expectedV, vectorV);
            Assert.Equal(expectedS, vectorS);
        }
    }

    /// <summary>One LIF step over the same inputs by the scalar reference kernel and the AVX-512 one: same membranes, spikes and count.</summary>
    private static void AssertAvx512LifEqualsScalar(int[] x, int[] v, int[] theta, int leak, int bits)
    {
        int[] expectedV = [.. v], actualV = [.. v];
        byte[] expectedS = new byte[x.Length], actualS = new byte[x.Length];
        long expectedFired = NeuronKernels.LifScalar(x, expectedV, expectedS, theta, leak, bits);
        long actualFired = NeuronKernels.LifAvx512(x, actualV, actualS, theta, leak, bits);
        Assert.Equal(expectedV, actualV);
        Assert.Equal(expectedS, actualS);
        Assert.Equal(expectedFired, actualFired);
    }
}
