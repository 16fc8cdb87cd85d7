using Neuro.Program;
using Neuro.Sim.Execution;

namespace Neuro.Sim.Hardware;

/// <summary>Which implementation of the cycle model counts.</summary>
public enum CycleMode
{
    /// <summary>Event-batched: one recurrence step per event (docs/simulator.md). What audits use.</summary>
    Fast,

    /// <summary>Advances one clock cycle at a time with an explicit scanner, queue and lanes: the reference the fast model is tested against.</summary>
    Stepped,
}

/// <summary>The cycle model of one program on one hardware model; make a <see cref="CycleCounter"/> per sample.</summary>
public sealed class CycleModel
{
    public CycleModel(VerifiedProgram program, HardwareModel hardware)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(hardware);
        Hardware = hardware;
        Program = program.Program;
        Plans = [.. Program.Ops.Select(op => new OpCyclePlan(hardware, Program, op))];
    }

    public HardwareModel Hardware { get; }

    public SpikeProgram Program { get; }

    public IReadOnlyList<OpCyclePlan> Plans { get; }

    public CycleCounter NewCounter(CycleMode mode = CycleMode.Fast) => new(this, mode);
}

/// <summary>
/// Counts the cycles of every op and step of one sample as the engine runs it (an <see cref="IExecutionObserver"/>).
/// Preallocates what it needs once; counting allocates nothing per event.
/// </summary>
public sealed class CycleCounter : IExecutionObserver
{
    private readonly CycleModel _model;
    private readonly CycleMode _mode;
    private readonly long[] _startRing;
    private readonly int[] _queue;
    private readonly int _steps;

    internal CycleCounter(CycleModel model, CycleMode mode)
    {
        _model = model;
        _mode = mode;
        _steps = model.Program.Input.TimeSteps;
        Cycles = new long[model.Plans.Count * _steps];
        _startRing = new long[model.Hardware.EventQueueDepth];
        _queue = new int[model.Hardware.EventQueueDepth];
    }

    /// <summary>Cycles per op and step, op-major (<c>op · T + step</c>).</summary>
    public long[] Cycles { get; }

    public long CyclesOf(int op, int step) => Cycles[op * _steps + step];

    public void AfterOp(int op, int step, ReadOnlySpan<byte> driving, in StepCounters counters)
    {
        var plan = _model.Plans[op];
        bool last = step == _steps - 1;
        long cycles = plan.Class switch
        {
            CycleClass.EventPipeline => (_mode == CycleMode.Fast ? PipelineFast(plan, driving) : PipelineStepped(plan, driving))
                + (last ? MacTail(plan) : 0),
            _ => _mode == CycleMode.Fast ? StreamsFast(plan.Streams) : StreamsStepped(plan.Streams),
        };
        Cycles[op * _steps + step] = cycles + plan.Overhead;
    }

    private long MacTail(OpCyclePlan plan)
    {
        (long, int)[] macs = [(plan.LastStepMacs, plan.MacUnits)];
        return _mode == CycleMode.Fast ? StreamsFast(macs) : StreamsStepped(macs);
    }

    /// <summary>
    /// The event-batched recurrence. Event e (element index i_e, scan word W_e = i_e / r) enters the queue at cycle
    /// k_e = max(k_{e−1} + W_e − W_{e−1}, s_{e−D}) (k_0 = W_0: every word costs the scanner one cycle, and a full queue
    /// of depth D stalls it until event e−D has left), starts at s_e = max(k_e + 1, f_{e−1}) and frees the lanes at
    /// f_e = s_e + service(F_e). The op ends when the lanes are free and the scanner has read its last word.
    /// </summary>
    private long PipelineFast(OpCyclePlan plan, ReadOnlySpan<byte> driving)
    {
        int r = plan.ScanBytesPerCycle, depth = _startRing.Length;
        long words = (plan.ScanLength + r - 1) / r;
        long k = 0, free = 0, previousWord = 0;
        int e = 0;
        for (int i = 0; i < driving.Length; i++)
        {
            if (driving[i] == 0 && !plan.Dense)
                continue;
            long word = i / r;
            k = e == 0 ? word : k + (word - previousWord);
            if (e >= depth)
                k = Math.Max(k, _startRing[e % depth]);
            long start = Math.Max(k + 1, free);
            free = start + plan.ServiceCycles(plan.FanOut(i));
            _startRing[e % depth] = start;
            previousWord = word;
            e++;
        }
        if (e == 0)
            return words;
        long scanDone = k + (words - 1 - previousWord);
        return Math.Max(scanDone + 1, free);
    }

    /// <summary>
    /// The same pipeline one cycle at a time. In each cycle, in this order: the lanes, if free, take the queue's head
    /// (an event pushed in an earlier cycle) and stay busy for its service time; then the scanner pushes the remaining
    /// events of its current word while the queue has room, moving to the next word only when the word is done.
    /// </summary>
    private long PipelineStepped(OpCyclePlan plan, ReadOnlySpan<byte> driving)
    {
        int r = plan.ScanBytesPerCycle, depth = _queue.Length;
        int words = (plan.ScanLength + r - 1) / r;
        int word = 0, position = 0, head = 0, count = 0;
        long busyUntil = 0;
        var pushedAt = _startRing;
        for (long cycle = 0; ; cycle++)
        {
            if (word >= words && count == 0 && busyUntil <= cycle)
                return cycle;
            if (busyUntil <= cycle && count > 0 && pushedAt[head] < cycle)
            {
                busyUntil = cycle + plan.ServiceCycles(plan.FanOut(_queue[head]));
                head = (head + 1) % depth;
                count--;
            }
            if (word >= words)
                continue;
            int end = Math.Min(plan.ScanLength, (word + 1) * r);
            for (; position < end; position++)
            {
                if (driving[position] == 0 && !plan.Dense)
                    continue;
                if (count == depth)
                    break;
                int tail = (head + count) % depth;
                _queue[tail] = position;
                pushedAt[tail] = cycle;
                count++;
            }
            if (position == end)
                word++;
        }
    }

    private static long StreamsFast((long Work, int PerCycle)[] streams)
    {
        long cycles = 0;
        foreach (var (work, perCycle) in streams)
            cycles = Math.Max(cycles, (work + perCycle - 1) / perCycle);
        return cycles;
    }

    /// <summary>Each resource consumes up to its rate every cycle; the op ends when all have consumed their work.</summary>
    private static long StreamsStepped((long Work, int PerCycle)[] streams)
    {
        Span<long> left = stackalloc long[streams.Length];
        for (int s = 0; s < streams.Length; s++)
            left[s] = streams[s].Work;
        long cycles = 0;
        while (true)
        {
            bool any = false;
            for (int s = 0; s < streams.Length; s++)
                any |= left[s] > 0;
            if (!any)
                return cycles;
            for (int s = 0; s < streams.Length; s++)
                left[s] = Math.Max(0, left[s] - streams[s].PerCycle);
            cycles++;
        }
    }
}
