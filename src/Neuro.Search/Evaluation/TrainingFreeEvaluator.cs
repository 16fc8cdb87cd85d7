using System.Diagnostics;
using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using static TorchSharp.torch;

namespace Neuro.Search.Evaluation;

/// <summary>
/// AutoST's training-free evaluation. Score = FLOPs per sample of the candidate (the layer table's dense
/// multiply-accumulates per sample, all layers, all steps): AutoST's proxy, independent of training dynamics.
/// Energy = the seeds' formula with the firing rates of the randomly initialised network on a few real samples
/// (AutoST's "activation patterns at initialisation"), with BN normalising by batch statistics. Initialisation is seeded by (seed, candidate key), so the same
/// candidate always gets the same energy.
/// </summary>
public sealed class TrainingFreeEvaluator : ICandidateEvaluator
{
    private readonly Func<ModelFraming, IFramedSamples> _samples;
    private readonly int _seed;
    private readonly Dictionary<ModelFraming, Tensor> _frames = [];

    /// <param name="samples">The samples to run, framed for a candidate (T, downsample); a few suffice (4 by default in the CLI).</param>
    /// <param name="seed">Seed of the random initialisation, combined with each candidate's key.</param>
    public TrainingFreeEvaluator(Func<ModelFraming, IFramedSamples> samples, int seed)
    {
        _samples = samples;
        _seed = seed;
    }

    public string Method => "autost";

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var table = LayerTable.From(config);
        double flops = table.MacsPerSample;
        var framing = ModelFraming.For(config);
        if (!_frames.TryGetValue(framing, out var frames))
        {
            var samples = _samples(framing);
            frames = Batches.Load(samples, Enumerable.Range(0, samples.Count).ToArray(), CPU).Frames.MoveToOuterDisposeScope();
            _frames[framing] = frames;
        }
        FiringRates rates;
        using (var scope = NewDisposeScope())
        {
            manual_seed(StableSeed(_seed, config.Name));
            using var model = SpikformerModel.Create(config);
            // Batch statistics: at initialisation the running statistics are the identity (mean 0, variance 1), which
            // leaves pre-activations far below threshold and silences the blocks, so V_th and τ would not matter.
            model.train();
            rates = model.RecordFiringRates(() =>
            {
                using var _ = no_grad();
                model.forward(frames);
            });
        }
        var energy = EnergyModel.Estimate(table, rates);
        return new CandidateEvaluation(null, flops, energy.TotalPicojoules, EnergyMode.PaperAtInitialisation, table.TotalParameters,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>FNV-1a of the key mixed with the seed: stable across runs and processes, unlike string.GetHashCode.</summary>
    internal static long StableSeed(int seed, string key)
    {
        ulong hash = 14695981039346656037UL ^ (uint)seed;
        foreach (char c in key)
            hash = (hash ^ c) * 1099511628211UL;
        return (long)(hash >> 1);
    }
}
