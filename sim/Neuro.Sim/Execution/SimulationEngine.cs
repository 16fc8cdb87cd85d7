using System.Collections.Concurrent;
using Neuro.Core.Errors;
using Neuro.Program;

namespace Neuro.Sim.Execution;

/// <summary>
/// Runs a verified spike program fast and bit-exactly equal to <see cref="ReferenceInterpreter"/>: same spikes,
/// membranes, logits and per-op per-step counters. Weights are re-laid out once here; each thread then runs samples
/// in its own preallocated workspace with no allocation per event, op or step (one result per sample).
/// Safe to share between threads.
/// </summary>
public sealed class SimulationEngine
{
    private readonly SpikeProgram _program;
    private readonly int _inputBuffer;
    private readonly SimdLevel _level;
    private readonly ConvPass _convPass;
    private readonly TemporalDelta _delta;
    private readonly OpKernel[] _kernels;
    private readonly ConcurrentBag<Workspace> _workspaces = [];

    /// <summary>Prepares <paramref name="program"/>; only verified programs run (the kernels trust the verifier's shapes and bounds).</summary>
    public SimulationEngine(VerifiedProgram program)
        : this(program, RowKernels.Best, ConvPass.ByWork, TemporalDelta.ByWork)
    {
    }

    /// <summary>
    /// Prepares <paramref name="program"/> for the kernels of <paramref name="level"/> with convs run as <paramref name="convPass"/>
    /// says and the temporal delta as <paramref name="delta"/> says: tests force the narrower instruction sets and each choice.
    /// </summary>
    internal SimulationEngine(VerifiedProgram program, SimdLevel level, ConvPass convPass, TemporalDelta delta = TemporalDelta.ByWork)
    {
        _delta = delta;
        ArgumentNullException.ThrowIfNull(program);
        _level = level;
        _convPass = convPass;
        Verified = program;
        _program = program.Program;
        _inputBuffer = program.InputBuffer;
        _kernels = [.. _program.Ops.Select(Prepare)];
        for (int i = 0; i < _kernels.Length; i++)
            _kernels[i].Index = i;
    }

    public VerifiedProgram Verified { get; }

    /// <summary>Per op, the u8 buffer whose events drive it, or −1.</summary>
    public int DrivingBuffer(int op) => _kernels[op].DrivingBuffer;

    private OpKernel Prepare(Op op) => op switch
    {
        Conv2dOp conv => new Conv2dKernel(_program, conv, _level, _convPass, _delta),
        LinearOp linear => new LinearKernel(_program, linear, _level, _delta),
        LifOp lif => new LifKernel(_program, lif, _level),
        MaxPoolOp pool => new MaxPoolKernel(_program, pool, _level),
        ToTokensOp tokens => new ToTokensKernel(_program, tokens, _level),
        AddOp add => new AddKernel(add, _level),
        MatMulQKOp qk => new MatMulQKKernel(_program, qk, _level),
        MatMulAVOp av => new MatMulAVKernel(_program, av, _level),
        MatMulKVOp kv => new MatMulKVKernel(_program, kv),
        MatMulQKVOp qkv => new MatMulQKVKernel(_program, qkv, _level),
        ReadoutOp readout => new ReadoutKernel(_program, readout, _level),
        _ => throw new InvalidOperationException($"verified program holds unknown op {op.Kind}"),
    };

    /// <summary>Runs one sample, a uint8 tensor [T, C, H, W]; <paramref name="observer"/> sees every op's driving input.</summary>
    /// <exception cref="NeuroException">The sample's length or values do not match the program's input spec.</exception>
    public SampleRun Run(ReadOnlySpan<byte> sample, IExecutionObserver? observer = null)
    {
        CheckSample(sample);
        var ws = _workspaces.TryTake(out var cached) ? cached : new Workspace(_program, _kernels);
        try
        {
            return Execute(ws, sample, observer);
        }
        finally
        {
            _workspaces.Add(ws);
        }
    }

    /// <summary>
    /// Runs many samples across up to <paramref name="parallelism"/> cores (one workspace each); results keep the
    /// samples' order. <paramref name="observerFor"/> gives each sample its own observer, if any.
    /// </summary>
    public SampleRun[] RunBatch(IReadOnlyList<byte[]> samples, int parallelism = 0, Func<int, IExecutionObserver?>? observerFor = null,
        Action? onSampleDone = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
            CheckSample(sample);
        var results = new SampleRun[samples.Count];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount,
            CancellationToken = cancellation,
        };
        Parallel.For(0, samples.Count, options,
            () => _workspaces.TryTake(out var cached) ? cached : new Workspace(_program, _kernels),
            (i, _, ws) =>
            {
                results[i] = Execute(ws, samples[i], observerFor?.Invoke(i));
                onSampleDone?.Invoke();
                return ws;
            },
            _workspaces.Add);
        return results;
    }

    /// <summary>Runs one sample and copies every buffer after every step (u8 widened), for bit-exactness tests against the reference's traces.</summary>
    internal (SampleRun Run, Dictionary<string, List<int[]>> Traces) RunTraced(ReadOnlySpan<byte> sample)
    {
        CheckSample(sample);
        var ws = new Workspace(_program, _kernels);
        var traces = _program.Buffers.ToDictionary(b => b.Name, _ => new List<int[]>());
        var run = Execute(ws, sample, null, () =>
        {
            for (int b = 0; b < _program.Buffers.Length; b++)
                traces[_program.Buffers[b].Name].Add(ws.Bytes[b] is { } bytes ? [.. bytes.Select(v => (int)v)] : [.. ws.Ints[b]]);
        });
        return (run, traces);
    }

    private SampleRun Execute(Workspace ws, ReadOnlySpan<byte> sample, IExecutionObserver? observer, Action? afterStep = null)
    {
        var input = _program.Input;
        int frame = input.FrameLength, steps = input.TimeSteps;
        var counters = new StepCounters[_kernels.Length * steps];
        ws.ResetState();
        byte[] inputBuffer = ws.Bytes[_inputBuffer];
        for (int t = 0; t < steps; t++)
        {
            sample.Slice(t * frame, frame).CopyTo(inputBuffer);
            bool last = t == steps - 1;
            for (int i = 0; i < _kernels.Length; i++)
            {
                ref var c = ref counters[i * steps + t];
                _kernels[i].Run(ws, ref c, last);
                if (observer is not null)
                {
                    int driving = _kernels[i].DrivingBuffer;
                    observer.AfterOp(i, t, driving < 0 ? default : ws.Bytes[driving], c);
                }
            }
            afterStep?.Invoke();
        }
        int[] logits = ws.Logits;
        return new SampleRun(logits, ReferenceInterpreter.ArgMax(logits), counters, steps);
    }

    private void CheckSample(ReadOnlySpan<byte> sample)
    {
        var input = _program.Input;
        int frame = input.FrameLength;
        if (sample.Length != (long)input.TimeSteps * frame)
            throw new NeuroException(
                $"sample has {sample.Length} values; program '{_program.Name}' expects T·C·H·W = {input.TimeSteps}·{input.Channels}·{input.Height}·{input.Width} = {(long)input.TimeSteps * frame}");
        if (input.MaxValue == byte.MaxValue)
            return;
        int bad = sample.IndexOfAnyExceptInRange((byte)0, (byte)input.MaxValue);
        if (bad >= 0)
            throw new NeuroException(
                $"sample value {sample[bad]} at step {bad / frame}, element {bad % frame} exceeds the {input.Encoding} encoding's maximum {input.MaxValue}");
    }
}
