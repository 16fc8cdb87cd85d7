using System.Globalization;
using Neuro.Program;

namespace Neuro.Runtime.Tests.Support;

/// <summary>One sample of a runtime report: per op and step the counters, optional traces, and the result.</summary>
public sealed class SampleReport
{
    /// <summary>[op][step] = events, input sum, updates, synaptic ops, macs, neuron updates, output sum, ticks.</summary>
    public List<List<long[]>> Counters { get; } = [];

    /// <summary>(step, buffer index) → the buffer's elements after that step.</summary>
    public Dictionary<(int Step, int Buffer), int[]> Traces { get; } = [];

    public string Status { get; set; } = "";

    public int Predicted { get; set; } = -1;

    public int[] Logits { get; set; } = [];
}

/// <summary>The parsed text report of firmware-gen/runtime/port/nsp_report.h (host driver and test firmware alike).</summary>
public sealed class RuntimeReport
{
    public string LoadStatus { get; private init; } = "";

    public int Offset { get; private init; }

    public int Op { get; private init; }

    public string Message { get; private init; } = "";

    public long ArenaBytes { get; private set; }

    /// <summary>The weight placement in force (<see cref="WeightPlacement"/>) and the transposed regions' offsets and rows' bytes.</summary>
    public (WeightPlacement Placement, long RingOffset, long RowsOffset, long RowsBytes) Weights { get; private set; }

    /// <summary>Each Conv2d/Linear's transposed rows' offset, by op index.</summary>
    public Dictionary<int, long> Rows { get; } = [];

    /// <summary>Each buffer's arena offset as the runtime's <c>nsp_load</c> placed it, in table order.</summary>
    public List<long> Offsets { get; } = [];

    public List<SampleReport> Samples { get; } = [];

    public static RuntimeReport Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2 && lines[0].StartsWith("load ", StringComparison.Ordinal), $"not a runtime report:\n{text}");
        Assert.True(lines[^1] == "end", $"the report does not end with 'end' (the run stopped early):\n{text[Math.Max(0, text.Length - 2000)..]}");
        var head = lines[0].Split(' ', 5);
        var report = new RuntimeReport
        {
            LoadStatus = head[1], Offset = int.Parse(head[2], CultureInfo.InvariantCulture), Op = int.Parse(head[3], CultureInfo.InvariantCulture),
            Message = head.Length > 4 ? head[4] : "",
        };
        SampleReport? sample = null;
        foreach (string line in lines.Skip(1).SkipLast(1))
        {
            var fields = line.Split(' ');
            switch (fields[0])
            {
                case "arena":
                    report.ArenaBytes = long.Parse(fields[1], CultureInfo.InvariantCulture);
                    break;
                case "weights":
                    report.Weights = ((WeightPlacement)int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[2], CultureInfo.InvariantCulture),
                        long.Parse(fields[3], CultureInfo.InvariantCulture), long.Parse(fields[4], CultureInfo.InvariantCulture));
                    break;
                case "rows":
                    report.Rows[int.Parse(fields[1], CultureInfo.InvariantCulture)] = long.Parse(fields[2], CultureInfo.InvariantCulture);
                    break;
                case "offset":
                    Assert.Equal(report.Offsets.Count, int.Parse(fields[1], CultureInfo.InvariantCulture));
                    report.Offsets.Add(long.Parse(fields[2], CultureInfo.InvariantCulture));
                    break;
                case "sample":
                    sample = new SampleReport();
                    report.Samples.Add(sample);
                    break;
                case "counters":
                {
                    var values = fields.Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    int op = (int)values[0];
                    while (sample!.Counters.Count <= op)
                        sample.Counters.Add([]);
                    sample.Counters[op].Add(values[2..]);
                    break;
                }
                case "trace":
                {
                    var values = fields.Skip(1).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    sample!.Traces[(values[0], values[1])] = values[2..];
                    break;
                }
                case "result":
                    sample!.Status = fields[1];
                    if (fields.Length > 2)
                    {
                        sample.Predicted = int.Parse(fields[2], CultureInfo.InvariantCulture);
                        sample.Logits = [.. fields.Skip(3).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
                    }
                    break;
                default:
                    Assert.Fail($"unknown report line: {line}");
                    break;
            }
        }
        return report;
    }

    /// <summary>Asserts that <paramref name="sample"/> agrees bit for bit with the reference interpreter on <paramref name="input"/>.</summary>
    public static void AssertMatchesReference(VerifiedProgram verified, byte[] input, SampleReport sample, string where)
    {
        var program = verified.Program;
        var expected = new ReferenceInterpreter(verified, TraceLevel.AllBuffers).Run(input);
        Assert.True(sample.Status == "ok", $"{where}: runtime status {sample.Status}");
        Assert.True(expected.Logits.SequenceEqual(sample.Logits),
            $"{where}: logits [{string.Join(", ", sample.Logits)}], reference [{string.Join(", ", expected.Logits)}]");
        Assert.Equal(expected.PredictedClass, sample.Predicted);
        Assert.Equal(program.Ops.Length, sample.Counters.Count);
        for (int op = 0; op < program.Ops.Length; op++)
        {
            for (int t = 0; t < program.Input.TimeSteps; t++)
            {
                var c = expected.Counters[op].Steps[t];
                long[] want = [c.Events, c.InputSum, c.Updates, c.SynapticOps, c.Macs, c.NeuronUpdates, c.OutputSum];
                Assert.True(want.SequenceEqual(sample.Counters[op][t][..7]),
                    $"{where}: op {op} '{program.Ops[op].Name}' step {t} counters [{string.Join(", ", sample.Counters[op][t][..7])}], reference [{string.Join(", ", want)}]");
            }
        }
        if (sample.Traces.Count == 0)
            return;
        for (int b = 0; b < program.Buffers.Length; b++)
        {
            for (int t = 0; t < program.Input.TimeSteps; t++)
            {
                var want = expected.Traces[program.Buffers[b].Name][t];
                var got = sample.Traces[(t, b)];
                Assert.True(want.SequenceEqual(got), $"{where}: buffer {b} '{program.Buffers[b].Name}' after step {t} differs from the reference");
            }
        }
    }
}
