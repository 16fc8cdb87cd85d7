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
            int[] actualWide = [.. bias];
            RowKernels.AccumulateRows(actualWide, wide, rows, values);
            Assert.Equal(expectedWide, actualWide);
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
}
