using Neuro.Core.Architecture;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using Neuro.Search.Candidates;
using Neuro.Search.Evaluation;
using Neuro.Search.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Search.Validation;

/// <summary>One subnet's accuracy with weights inherited from the supernet and trained from scratch.</summary>
public sealed record SubnetRank(string Key, ArchitectureConfig Config, double InheritedAccuracy, double ScratchAccuracy);

/// <summary>What <see cref="SupernetRankCheck.Run"/> measured: the subnets and Kendall τ-b between the two accuracies.</summary>
/// <param name="Seed">Seeds the subnet draw and every from-scratch run.</param>
/// <param name="ScratchEpochs">Epochs each subnet was trained from scratch.</param>
/// <param name="Subnets">The compared subnets, in draw order.</param>
/// <param name="KendallTauB">τ-b of inherited against from-scratch accuracy; null when fewer than two subnets or no variation.</param>
public sealed record RankCheckReport(int Seed, int ScratchEpochs, IReadOnlyList<SubnetRank> Subnets, double? KendallTauB);

/// <summary>
/// Does a supernet rank subnets the way training them would? Draws distinct subnets from the supernet's space with a
/// seed, evaluates each with inherited weights (<see cref="SupernetEvaluator"/>: BN recalibrated, test split), trains a
/// fresh copy of each from scratch with the same recipe for a fixed number of epochs, and reports Kendall τ-b between
/// the two accuracies: the one-shot method's premise, measured.
/// </summary>
public static class SupernetRankCheck
{
    /// <param name="supernet">A trained supernet.</param>
    /// <param name="samples">Train and test samples framed for a T.</param>
    /// <param name="subnets">How many distinct subnets to compare (at least 2 for a τ).</param>
    /// <param name="scratch">The from-scratch recipe (epochs, batch, lr, seed).</param>
    /// <param name="workDirectory">Where the from-scratch checkpoints go (one folder per subnet).</param>
    /// <param name="device">Where models run.</param>
    /// <param name="progress">One report per finished subnet.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static RankCheckReport Run(SpikformerSupernet supernet, Func<ModelFraming, (IFramedSamples Train, IFramedSamples Test)> samples,
        int subnets, TrainingOptions scratch, string workDirectory, Device device, IProgress<SubnetRank>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var random = new Random(scratch.Seed);
        var chosen = new Dictionary<string, ArchitectureConfig>(StringComparer.Ordinal);
        for (int attempt = 0; chosen.Count < subnets && attempt < subnets * 50; attempt++)
        {
            var config = supernet.Space.Sample(random);
            chosen.TryAdd(Candidate.FromConfig(config).Key, config);
        }
        var inherited = new SupernetEvaluator(supernet, samples, new SupernetEvaluationOptions(scratch.BatchSize), device);
        var results = new List<SubnetRank>();
        foreach (var (key, config) in chosen)
        {
            double inheritedAccuracy = inherited.Evaluate(config, cancellationToken).Accuracy ?? 0;
            var (train, test) = samples(ModelFraming.For(config));
            manual_seed(scratch.Seed);
            using var model = Neuro.Models.Spikformer.SpikformerModel.Create(config with { Name = key });
            if (device.type != DeviceType.CPU)
                model.to(device);
            var metadata = Trainer.TrainModel(model, train, test, config.Classes, scratch,
                new TrainingRun(Path.Combine(workDirectory, key), device), cancellationToken);
            double scratchAccuracy = metadata.History[^1].TestAccuracy ?? 0;
            var rank = new SubnetRank(key, config, inheritedAccuracy, scratchAccuracy);
            results.Add(rank);
            progress?.Report(rank);
        }
        double? tau = KendallTau.TauB(results.Select(r => r.InheritedAccuracy).ToArray(), results.Select(r => r.ScratchAccuracy).ToArray());
        return new RankCheckReport(scratch.Seed, scratch.Epochs, results, tau);
    }
}
