using Neuro.Core.Errors;
using Neuro.Models.Spikformer;
using Neuro.Models.Supernet;
using Neuro.Models.Training;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

[Collection("Sequential")]
public sealed class TrainingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neuro-models-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 8, Seed = 5, LearningRate = 5e-3 };

    private static float[] Weights(SpikformerModel model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    private (SpikformerModel Model, TrainingMetadata Metadata) Train(string name, TrainingOptions options, Checkpoint? resume = null,
        CancellationToken cancellationToken = default)
    {
        var config = TinyConfigs.Dvs();
        manual_seed(options.Seed);
        var model = resume?.LoadModel() ?? SpikformerModel.Create(config);
        var metadata = Trainer.TrainModel(model, SyntheticFrames.For(config, 24, 1), SyntheticFrames.For(config, 9, 2), config.Classes,
            options, new TrainingRun(Path.Combine(_root, name), CPU, resume), cancellationToken);
        return (model, metadata);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_metrics()
    {
        var (first, firstMetadata) = Train("a", Options);
        var (second, secondMetadata) = Train("b", Options);
        Assert.Equal(Weights(first), Weights(second));
        Assert.Equal(firstMetadata.History.Select(m => m.TrainLoss), secondMetadata.History.Select(m => m.TrainLoss));
        Assert.Equal(2, firstMetadata.History.Count);
        Assert.NotNull(firstMetadata.History[^1].TestAccuracy);
    }

    [Fact]
    public void A_checkpoint_round_trips_weights_config_and_metadata()
    {
        var (model, metadata) = Train("run", Options with { Epochs = 1 });
        var checkpoint = Checkpoint.Open(Path.Combine(_root, "run"));
        Assert.Equal(model.Config, checkpoint.Config);
        Assert.Equal(1, checkpoint.Metadata.EpochsCompleted);
        Assert.Equal(metadata.History[0], checkpoint.Metadata.History[0]);
        Assert.Equal(Options.Seed, checkpoint.Metadata.Options.Seed);
        Assert.NotNull(checkpoint.OptimizerStatePath);
        using var loaded = checkpoint.LoadModel();
        Assert.Equal(Weights(model), Weights(loaded));
        Assert.Equal(model.state_dict()["sps.bn0.running_var"].data<float>().ToArray(),
            loaded.state_dict()["sps.bn0.running_var"].data<float>().ToArray());
        Assert.Equal(new[] { "run" }, Directory.GetDirectories(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_quantization_aware_run_is_loaded_back_in_quantization_aware_mode()
    {
        var (model, _) = Train("qat", Options with { Epochs = 1, QuantizationAware = true });
        Assert.True(model.QuantizationAware);
        using var loaded = Checkpoint.Open(Path.Combine(_root, "qat")).LoadModel();
        Assert.True(loaded.QuantizationAware);
        Train("plain", Options with { Epochs = 1 });
        Assert.False(Checkpoint.Open(Path.Combine(_root, "plain")).LoadModel().QuantizationAware);
    }

    [Fact]
    public void Resuming_after_a_cancelled_epoch_ends_where_an_uninterrupted_run_ends()
    {
        var (straight, _) = Train("straight", Options);

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Train("resumed", Options, cancellationToken: cancel.Token));
        var saved = Checkpoint.Open(Path.Combine(_root, "resumed"));
        Assert.Equal((0, 0), (saved.Metadata.EpochsCompleted, saved.Metadata.NextBatch));

        var (resumed, metadata) = Train("resumed", Options, saved);
        Assert.True(metadata.Finished);
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void Loading_a_checkpoint_into_a_model_of_another_config_is_refused_with_the_differences()
    {
        Train("run", Options with { Epochs = 1 });
        var checkpoint = Checkpoint.Open(Path.Combine(_root, "run"));
        using var wider = SpikformerModel.Create(TinyConfigs.Dvs(embedDim: 32));
        var error = Assert.Throws<NeuroException>(() => checkpoint.LoadInto(wider));
        Assert.Contains("embedDim: 16 ≠ 32", error.Message);
    }

    [Fact]
    public void A_small_model_learns_the_toy_task()
    {
        var config = TinyConfigs.Dvs();
        // Enough steps (48) for BN's running statistics (momentum 0.1) to forget their initial values: spiking layers
        // are threshold functions, so stale statistics silence them in eval mode.
        var (model, metadata) = Train("learn", Options with { Epochs = 8, BatchSize = 4 });
        var result = Evaluator.Evaluate(model, SyntheticFrames.For(config, 30, 3), config.Classes, 10, CPU);
        Assert.True(result.Accuracy > 0.6, $"accuracy {result.Accuracy}, history {string.Join(", ", metadata.History)}");
        Assert.Equal(30, result.Confusion.Sum(row => row.Sum()));
    }

    [Fact]
    public void Supernet_training_saves_a_checkpoint_with_its_space()
    {
        var space = TinyConfigs.Space();
        manual_seed(3);
        using var supernet = SpikformerSupernet.Create(space);
        var train = space.TimeSteps.ToDictionary(t => t, t => (IFramedSamples)SyntheticFrames.For(space.Largest with { TimeSteps = t }, 16, 1));
        var metadata = Trainer.TrainSupernet(supernet, train, Options with { Epochs = 1, Sandwich = true },
            new TrainingRun(Path.Combine(_root, "super"), CPU), CancellationToken.None);
        var checkpoint = Checkpoint.Open(Path.Combine(_root, "super"));
        Assert.Equal(TrainingMetadata.SupernetKind, checkpoint.Metadata.Kind);
        Assert.Equal(space.EmbedDims, checkpoint.Space!.EmbedDims);
        Assert.Equal(space.Largest, checkpoint.Config);
        Assert.True(double.IsFinite(metadata.History[0].TrainLoss));
    }
}
