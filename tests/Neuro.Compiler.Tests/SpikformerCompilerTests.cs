using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using Neuro.Program;
using TorchSharp;
using Neuro.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Compiler.Tests;

[Collection("Sequential")]
public class SpikformerCompilerTests(ITestOutputHelper output)
{
    /// <summary>The default MCU preset cut to 16×16 input and T = 4, so the reference interpreter runs quickly.</summary>
    internal static ArchitectureConfig SmallConfig(AttentionOrder order = AttentionOrder.QKFirst) =>
        Presets.Get(Presets.MicrocontrollerName) with
        {
            Name = "small",
            Input = new Core.Architecture.InputSpec(2, 64, 64, 4, InputEncoding.EventBinary),
            TimeSteps = 4,
            EmbedDim = 32,
            AttentionOrder = order,
        };

    /// <summary>Random event frames whose density and active quadrant vary by sample, so the model's answers vary too.</summary>
    internal static InMemorySamples RandomBinarySamples(ArchitectureConfig config, int count, int seed)
    {
        var random = new Random(seed);
        var shape = new FrameShape(config.TimeSteps, config.Input.Channels, config.Input.ModelHeight, config.Input.ModelWidth);
        var frames = new float[count][];
        for (int sample = 0; sample < count; sample++)
        {
            double density = 0.05 + 0.4 * random.NextDouble();
            int quadrant = random.Next(4);
            frames[sample] = new float[shape.Elements];
            for (int i = 0; i < shape.Elements; i++)
            {
                int x = i % shape.Width, y = i / shape.Width % shape.Height, channel = i / (shape.Width * shape.Height) % shape.Channels;
                int here = (y < shape.Height / 2 ? 0 : 2) + (x < shape.Width / 2 ? 0 : 1);
                double p = here == quadrant ? density : density / 4;
                frames[sample][i] = random.NextDouble() < (channel == 0 ? p : p / 2) ? 1f : 0f;
            }
        }
        var labels = Enumerable.Range(0, count).Select(index => index % config.Classes).ToArray();
        return new InMemorySamples(shape, frames, labels);
    }

    /// <summary>A model that fires like a trained one, its head bias zeroed so its answers depend on the input.</summary>
    internal static SpikformerModel TrainedLikeModel(ArchitectureConfig config, int seed)
    {
        var model = FiringModels.Create(config, seed);
        using var _ = torch.no_grad();
        model.state_dict()["head.linear.bias"].zero_();
        return model;
    }

    [Fact]
    public void Ops_carry_the_layer_table_names_and_the_program_verifies()
    {
        using var model = TrainedLikeModel(SmallConfig(), 1);
        var result = SpikformerCompiler.Compile(model);
        var names = result.Program.Program.Ops.Select(op => op.Name).ToList();
        var layerNames = LayerTable.From(model.ActiveConfig).Layers.Select(layer => layer.Name).ToHashSet();
        Assert.All(names.Where(name => name != "sps.tokens"), name => Assert.Contains(name, layerNames));
        Assert.Equal("head.linear", names[^1]);
        Assert.Contains("blocks.0.attn.qk", names);
        Assert.Equal(FrameEncoding.Binary, result.Program.Program.Input.Encoding);
        Assert.Equal(16, result.Program.Program.Input.Height);
        // Every LIF got an entry: 4 SPS stages + rpe + q, k, v, attn, proj, fc1, fc2.
        Assert.Equal(12, result.Layers.Count);
        Assert.All(result.Layers, layer => Assert.InRange(layer.FractionalBits, 0, 14));
    }

    [Fact]
    public void Compilation_is_deterministic_to_the_byte()
    {
        using var model = TrainedLikeModel(SmallConfig(AttentionOrder.KVFirst), 2);
        var first = SpikeProgramFile.ToBytes(SpikformerCompiler.Compile(model).Program.Program);
        var second = SpikeProgramFile.ToBytes(SpikformerCompiler.Compile(model).Program.Program);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(AttentionOrder.QKFirst)]
    [InlineData(AttentionOrder.KVFirst)]
    public void Integer_firing_rates_track_the_float_model_layer_by_layer(AttentionOrder order)
    {
        var config = SmallConfig(order);
        using var model = TrainedLikeModel(config, 4);
        var program = SpikformerCompiler.Compile(model).Program;
        var samples = RandomBinarySamples(config, 24, seed: 5);
        var report = Agreement.Measure(model, program, samples, 24);
        foreach (var layer in report.Layers)
            output.WriteLine($"{layer.Layer}: float {layer.FloatRate:F4} integer {layer.IntegerRate:F4}");

        Assert.Equal(24, report.Samples);
        Assert.Equal(Enumerable.Range(0, 24).Count(i => report.FloatPredictions[i] == report.IntegerPredictions[i]), report.Agreements);
        Assert.Equal(Enumerable.Range(0, 24).Count(i => report.FloatPredictions[i] == samples.Label(i)), report.FloatCorrect);
        // Every LIF and pool of the program is compared, and every one of them fires.
        Assert.Equal(program.Program.Ops.Count(op => op.Kind is OpKind.Lif or OpKind.MaxPool), report.Layers.Count);
        Assert.All(report.Layers, layer => Assert.InRange(layer.FloatRate, 0.05, 0.95));
        Assert.All(report.Layers, layer => Assert.True(Math.Abs(layer.Drift) < 0.01, $"{layer.Layer}: float {layer.FloatRate:F4} integer {layer.IntegerRate:F4}"));
    }

    [Fact]
    public void A_quantization_aware_model_agrees_with_its_program_sample_for_sample()
    {
        var config = SmallConfig();
        using var model = TrainedLikeModel(config, 4);
        model.QuantizationAware = true;
        var program = SpikformerCompiler.Compile(model).Program;
        var report = Agreement.Measure(model, program, RandomBinarySamples(config, 24, seed: 5), 24);
        output.WriteLine($"agreement {report.Agreement:P1}, classes {string.Join(",", report.FloatPredictions.Distinct())}");

        // The float forward runs the very weights the compiler emits; only the LIF's fixed-point rounding remains.
        Assert.Equal(report.Samples, report.Agreements);
        Assert.True(report.FloatPredictions.Distinct().Count() >= 2, "the model answers one class for everything");
        Assert.All(report.Layers, layer => Assert.True(Math.Abs(layer.Drift) < 1e-3, $"{layer.Layer}: float {layer.FloatRate:F5} integer {layer.IntegerRate:F5}"));
    }

    [Fact]
    public void Integer_logits_are_the_float_logits_in_the_readout_unit()
    {
        var config = SmallConfig();
        using var model = TrainedLikeModel(config, 4);
        var program = SpikformerCompiler.Compile(model).Program;
        var samples = RandomBinarySamples(config, 8, seed: 6);
        var frames = new float[samples.Shape.Elements];
        var bytes = new byte[frames.Length];
        var floatLogits = new List<double>();
        var integerLogits = new List<double>();
        var interpreter = new ReferenceInterpreter(program);
        using var _ = torch.no_grad();
        for (int i = 0; i < samples.Count; i++)
        {
            samples.CopyFrames(i, frames);
            ProgramSamples.Encode(frames, program.Program.Input, bytes);
            integerLogits.AddRange(interpreter.Run(bytes).Logits.Select(logit => (double)logit));
            using var input = torch.tensor(frames).reshape(config.TimeSteps, 1, config.Input.Channels, config.Input.ModelHeight, config.Input.ModelWidth);
            floatLogits.AddRange(model.forward(input).data<float>().ToArray().Select(logit => (double)logit));
        }
        double correlation = Pearson(floatLogits, integerLogits);
        output.WriteLine($"correlation {correlation:F4}");
        Assert.True(correlation > 0.97, $"float and integer logits correlate at only {correlation:F4}");
    }

    private static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double meanA = a.Average(), meanB = b.Average();
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (int i = 0; i < a.Count; i++)
        {
            covariance += (a[i] - meanA) * (b[i] - meanB);
            varianceA += (a[i] - meanA) * (a[i] - meanA);
            varianceB += (b[i] - meanB) * (b[i] - meanB);
        }
        return covariance / Math.Sqrt(varianceA * varianceB);
    }

    [Fact]
    public void Real_valued_inputs_are_refused_with_the_reason()
    {
        using var model = SpikformerModel.Create(Presets.Get("spikformer-cifar10-4-384") with { EmbedDim = 32, Blocks = [new BlockConfig(1, 1, LifParameters.Default)] });
        var error = Assert.Throws<NeuroException>(() => SpikformerCompiler.Compile(model));
        Assert.Contains("real-valued", error.Message);
    }

    [Fact]
    public void Counts_input_makes_the_first_conv_a_dense_mac_layer()
    {
        var config = SmallConfig() with { Input = new Core.Architecture.InputSpec(2, 64, 64, 4, InputEncoding.EventCounts) };
        using var model = TrainedLikeModel(config, 6);
        var ops = SpikformerCompiler.Compile(model).Program.Program.Ops;
        Assert.True(((Conv2dOp)ops[0]).Dense);
        Assert.False(((Conv2dOp)ops.First(op => op.Name == "sps.conv1")).Dense);
    }
}
