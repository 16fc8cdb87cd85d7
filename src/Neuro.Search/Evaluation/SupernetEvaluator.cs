using System.Diagnostics;
using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using static TorchSharp.torch;

namespace Neuro.Search.Evaluation;

/// <summary>
/// Auto-Spikformer's evaluation: the candidate runs on weights inherited from a trained supernet. Its BN statistics are
/// re-estimated on <see cref="SupernetEvaluationOptions.RecalibrationBatches"/> training batches (always the first ones
/// in file order, so evaluations are deterministic), then accuracy and firing rates are measured on the validation
/// split; energy is the seeds' formula with those rates.
/// </summary>
public sealed class SupernetEvaluator : ICandidateEvaluator
{
    private readonly SpikformerSupernet _supernet;
    private readonly Func<ModelFraming, (IFramedSamples Train, IFramedSamples Validation)> _samples;
    private readonly SupernetEvaluationOptions _options;
    private readonly Device _device;

    /// <param name="supernet">The trained supernet; candidates must come from its space.</param>
    /// <param name="samples">Training (for BN recalibration) and validation samples framed for a T.</param>
    /// <param name="options">Batch sizes and recalibration batches.</param>
    /// <param name="device">Where the supernet lives.</param>
    public SupernetEvaluator(SpikformerSupernet supernet, Func<ModelFraming, (IFramedSamples Train, IFramedSamples Validation)> samples,
        SupernetEvaluationOptions options, Device device)
    {
        _supernet = supernet;
        _samples = samples;
        _options = options;
        _device = device;
    }

    public string Method => "supernet";

    public CandidateEvaluation Evaluate(ArchitectureConfig config, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (train, validation) = _samples(ModelFraming.For(config));
        _supernet.Activate(config);
        var indices = Batches.Split(Enumerable.Range(0, train.Count).ToArray(), _options.BatchSize).Take(_options.RecalibrationBatches);
        _supernet.RecalibrateBatchNorm(indices.Select(batch =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Batches.Load(train, batch, _device).Frames;
        }));
        var result = Evaluator.Evaluate(_supernet.Model, validation, config.Classes, _options.BatchSize, _device, cancellationToken);
        var table = LayerTable.From(config);
        var energy = EnergyModel.Estimate(table, result.FiringRates);
        return new CandidateEvaluation(result.Accuracy, table.MacsPerSample, energy.TotalPicojoules, EnergyMode.PaperMeasured,
            table.TotalParameters, clock.Elapsed.TotalSeconds);
    }
}

/// <param name="BatchSize">Samples per forward pass.</param>
/// <param name="RecalibrationBatches">Training batches the BN statistics are re-estimated on (8 × 16 as in docs/models.md).</param>
public sealed record SupernetEvaluationOptions(int BatchSize = 16, int RecalibrationBatches = 8);
