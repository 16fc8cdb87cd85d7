using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Neuro.Core.Architecture;
using Neuro.Sim.Execution;
using TorchSharp;

namespace Neuro.Benchmarks.Sim;

/// <summary>
/// The simulator against TorchSharp's dense float forward of the same model on the same framed synthetic gesture
/// samples, both on one core; one operation is one sample. Synaptic events per second per core = the events per
/// sample that setup prints (accumulator updates plus dense MACs, i.e. what the hardware executes) ÷ the mean time.
/// It runs in-process with a long timeout (<see cref="InProcessConfig"/>): BenchmarkDotNet's generated out-of-process
/// project does not get TorchSharp's native libraries (the repository's libLibTorchSharp patch in
/// build/TorchSharpNative.targets does not reach it), and one 2-256 invocation takes seconds.
/// </summary>
[Config(typeof(InProcessConfig))]
public class Perf_Sim_Forward
{
    /// <summary>
    /// Nine iterations with their minimum and median beside the mean: on the shared 2-core build machine (load 5–9) the
    /// 3-iteration mean of either side swung by up to 2× between back-to-back runs, and the minimum is the figure least
    /// disturbed by the other tenants.
    /// </summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            AddJob(Job.ShortRun.WithWarmupCount(1).WithIterationCount(9)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)));
            AddColumn(StatisticColumn.Min, StatisticColumn.Median);
        }
    }

    private const int SampleCount = 4;
    private SimWorkload? _workload;
    private SimulationEngine? _engine;
    private torch.Tensor[] _inputs = [];

    [Params(Presets.DefaultName, Presets.MicrocontrollerName)]
    public string Preset { get; set; } = Presets.DefaultName;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _workload = SimWorkload.Create(Preset, SampleCount);
        _engine = new SimulationEngine(_workload.Program);
        var s = _workload.Shape;
        _inputs = [.. _workload.Frames.Select(f => torch.tensor(f, [s.T, 1, s.C, s.H, s.W]))];
        long updates = 0, sops = 0, macs = 0;
        foreach (var sample in _workload.Samples)
        {
            var run = _engine.Run(sample);
            foreach (var c in run.Counters)
            {
                updates += c.Updates;
                sops += c.SynapticOps;
                macs += c.Macs;
            }
        }
        Console.WriteLine($"// {Preset}: per sample {(updates + macs) / SampleCount} synaptic events ({updates / SampleCount} accumulator updates + {macs / SampleCount} dense MACs), {sops / SampleCount} SOPs");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var input in _inputs)
            input.Dispose();
        _workload?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = SampleCount)]
    public int Simulator()
    {
        int predicted = 0;
        foreach (var sample in _workload!.Samples)
            predicted += _engine!.Run(sample).PredictedClass;
        return predicted;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SampleCount)]
    public float TorchSharpDenseForward()
    {
        float sum = 0;
        using var noGrad = torch.no_grad();
        foreach (var input in _inputs)
        {
            using var logits = _workload!.Model.forward(input);
            sum += logits[0, 0].item<float>();
        }
        return sum;
    }
}
