using Neuro.Core.Energy;
using Neuro.Models.Spikformer;
using static TorchSharp.torch;

namespace Neuro.Models.Training;

/// <summary>Accuracy, confusion and firing rates of a model on a set of samples.</summary>
/// <param name="Samples">Samples evaluated.</param>
/// <param name="Correct">Samples whose top logit is the label.</param>
/// <param name="Confusion">Counts indexed [true class][predicted class].</param>
/// <param name="FiringRates">Mean output per element per step of the input and every LIF and max-pool layer.</param>
public sealed record EvaluationResult(int Samples, int Correct, int[][] Confusion, FiringRates FiringRates)
{
    /// <summary>Correct / samples.</summary>
    public double Accuracy => Samples == 0 ? 0 : (double)Correct / Samples;
}

/// <summary>Runs a model over samples in eval mode, without gradients.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> (its active config) on every sample of <paramref name="samples"/>.</summary>
    /// <param name="model">The model; it is put in eval mode and restored afterwards.</param>
    /// <param name="samples">The samples, framed as the model's config says.</param>
    /// <param name="classes">Number of classes (rows and columns of the confusion matrix).</param>
    /// <param name="batchSize">Samples per forward pass (does not change the results).</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static EvaluationResult Evaluate(SpikformerModel model, IFramedSamples samples, int classes, int batchSize, Device device,
        CancellationToken cancellationToken = default)
    {
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        int correct = 0;
        bool wasTraining = model.training;
        model.eval();
        var rates = model.RecordFiringRates(() =>
        {
            using var _ = no_grad();
            foreach (var batch in Batches.Split(Enumerable.Range(0, samples.Count).ToArray(), batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (frames, labels) = Batches.Load(samples, batch, device);
                var predicted = model.forward(frames).argmax(1).cpu().data<long>().ToArray();
                var truth = labels.cpu().data<long>().ToArray();
                for (int i = 0; i < predicted.Length; i++)
                {
                    confusion[truth[i]][predicted[i]]++;
                    correct += predicted[i] == truth[i] ? 1 : 0;
                }
            }
        });
        model.train(wasTraining);
        return new EvaluationResult(samples.Count, correct, confusion, rates);
    }
}
