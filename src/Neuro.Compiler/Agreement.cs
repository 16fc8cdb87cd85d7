using System.Collections.Concurrent;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using Neuro.Program;
using static TorchSharp.torch;

namespace Neuro.Compiler;

/// <summary>One layer's firing rate in float and in integer, and their difference (integer − float).</summary>
public sealed record LayerDrift(string Layer, double FloatRate, double IntegerRate, double Drift);

/// <summary>
/// Float model vs compiled program on the same samples (DESIGN.md invariant 2).
/// </summary>
/// <param name="Samples">Samples compared.</param>
/// <param name="Agreements">Samples whose top-1 class is the same in both.</param>
/// <param name="FloatCorrect">Samples the float model classifies correctly.</param>
/// <param name="IntegerCorrect">Samples the program classifies correctly.</param>
/// <param name="ClampedInputValues">Input counts above 255 clamped for the program.</param>
/// <param name="Layers">Per LIF and max-pool layer, in program order.</param>
/// <param name="FloatPredictions">The float model's class per sample.</param>
/// <param name="IntegerPredictions">The program's class per sample.</param>
public sealed record AgreementReport(
    int Samples, int Agreements, int FloatCorrect, int IntegerCorrect, long ClampedInputValues, IReadOnlyList<LayerDrift> Layers,
    IReadOnlyList<int> FloatPredictions, IReadOnlyList<int> IntegerPredictions)
{
    public double Agreement => Samples == 0 ? 0 : (double)Agreements / Samples;

    public double FloatAccuracy => Samples == 0 ? 0 : (double)FloatCorrect / Samples;

    public double IntegerAccuracy => Samples == 0 ? 0 : (double)IntegerCorrect / Samples;

    /// <summary>Float accuracy − integer accuracy, in percentage points.</summary>
    public double AccuracyDropPoints => 100 * (FloatAccuracy - IntegerAccuracy);
}

/// <summary>Runs the float model and the reference interpreter on the same samples and compares them.</summary>
public static class Agreement
{
    /// <param name="model">The float model the program was compiled from (its active config).</param>
    /// <param name="program">The compiled program.</param>
    /// <param name="samples">Labelled float frames, framed for the model's config.</param>
    /// <param name="count">How many samples to compare (the first ones; all when larger than the set).</param>
    /// <param name="progress">Reports samples done.</param>
    /// <param name="cancellationToken">Checked between batches and samples.</param>
    public static AgreementReport Measure(SpikformerModel model, VerifiedProgram program, IFramedSamples samples, int count,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        int n = Math.Min(count, samples.Count);
        var indices = Enumerable.Range(0, n).ToArray();
        var floatPredictions = new long[n];
        bool wasTraining = model.training;
        model.eval();
        Neuro.Core.Energy.FiringRates floatRates;
        try
        {
            floatRates = model.RecordFiringRates(() =>
            {
                using var _ = no_grad();
                int done = 0;
                foreach (var batch in Batches.Split(indices, 16))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var (frames, _) = Batches.Load(samples, batch, CPU);
                    var predicted = model.forward(frames).argmax(1).data<long>().ToArray();
                    predicted.CopyTo(floatPredictions, done);
                    done += batch.Length;
                }
            });
        }
        finally
        {
            model.train(wasTraining);
        }

        var input = program.Program.Input;
        var integerPredictions = new int[n];
        var spikeSums = new ConcurrentDictionary<int, long>();
        long clamped = 0;
        int finished = 0;
        Parallel.ForEach(
            Partitioner.Create(0, n, 1),
            new ParallelOptions { CancellationToken = cancellationToken },
            () => (Interpreter: new ReferenceInterpreter(program), Frames: new float[samples.Shape.Elements], Bytes: new byte[samples.Shape.Elements]),
            (range, _, local) =>
            {
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    samples.CopyFrames(i, local.Frames);
                    Interlocked.Add(ref clamped, ProgramSamples.Encode(local.Frames, input, local.Bytes));
                    var result = local.Interpreter.Run(local.Bytes);
                    integerPredictions[i] = result.PredictedClass;
                    foreach (var op in result.Counters.Where(op => op.Kind is OpKind.Lif or OpKind.MaxPool))
                    {
                        long spikes = op.Steps.Sum(step => step.OutputSum);
                        spikeSums.AddOrUpdate(op.Index, spikes, (_, sum) => sum + spikes);
                    }
                    progress?.Report(Interlocked.Increment(ref finished));
                }
                return local;
            },
            _ => { });

        var layers = new List<LayerDrift>();
        foreach (var (op, index) in program.Program.Ops.Select((op, index) => (op, index)))
        {
            if (!spikeSums.TryGetValue(index, out long sum) || !floatRates.TryGet(op.Name, out double floatRate))
                continue;
            long elements = program.Program.Buffers[op.Outputs[0]].Length;
            double integerRate = n == 0 ? 0 : (double)sum / (elements * input.TimeSteps * n);
            layers.Add(new LayerDrift(op.Name, floatRate, integerRate, integerRate - floatRate));
        }
        int agreements = 0, floatCorrect = 0, integerCorrect = 0;
        for (int i = 0; i < n; i++)
        {
            int label = samples.Label(i);
            agreements += floatPredictions[i] == integerPredictions[i] ? 1 : 0;
            floatCorrect += floatPredictions[i] == label ? 1 : 0;
            integerCorrect += integerPredictions[i] == label ? 1 : 0;
        }
        return new AgreementReport(n, agreements, floatCorrect, integerCorrect, clamped, layers, floatPredictions.Select(p => (int)p).ToArray(), integerPredictions);
    }
}
