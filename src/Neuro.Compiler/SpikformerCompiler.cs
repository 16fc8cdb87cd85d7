using Neuro.Core.Architecture;
using Neuro.Core.Errors;
using Neuro.Models.Spikformer;
using Neuro.Program;
using TorchSharp;
using static TorchSharp.torch;
using ProgramInput = Neuro.Program.InputSpec;

namespace Neuro.Compiler;

/// <summary>How one quantized layer came out: what the compile report lists per layer.</summary>
/// <param name="Name">LayerTable name of the synaptic op (BN folded into it).</param>
/// <param name="Lif">The LIF op fed by it.</param>
/// <param name="ScaleMin">Smallest per-channel scale (float per accumulator count).</param>
/// <param name="ScaleMax">Largest per-channel scale.</param>
/// <param name="MaxWeightError">Largest |w − s·q| over the layer's folded weights (≤ s/2 per channel).</param>
/// <param name="FractionalBits">F of the LIF.</param>
/// <param name="Leak">k of the LIF.</param>
/// <param name="ThresholdMin">Smallest integer θ.</param>
/// <param name="ThresholdMax">Largest integer θ.</param>
/// <param name="AccumulatorBound">The verifier's worst-case |accumulator| that chose F.</param>
public sealed record LayerQuantization(
    string Name, string Lif, double ScaleMin, double ScaleMax, double MaxWeightError, int FractionalBits, int Leak,
    int ThresholdMin, int ThresholdMax, long AccumulatorBound);

/// <summary>A compiled program with the per-layer quantization facts.</summary>
public sealed record CompilationResult(VerifiedProgram Program, IReadOnlyList<LayerQuantization> Layers);

/// <summary>
/// Lowers a trained float Spikformer (eval mode: BN running statistics) to a spike program (docs/spike-program.md):
/// BN folded into the conv/linear before it, weights int8 per output channel, each LIF's threshold in its channel's
/// integer unit, the attention scale folded into the attention LIF's threshold, the readout's bias pre-scaled by N·T.
/// Ops carry the LayerTable's names, so counters, firing rates and energy line up with <c>neuro arch</c>.
/// </summary>
public static class SpikformerCompiler
{
    /// <summary>Compiles the model's <see cref="SpikformerModel.ActiveConfig"/> (a supernet's active subnet works too).</summary>
    /// <exception cref="NeuroException">The input encoding is not an event encoding, or a layer cannot be represented.</exception>
    public static CompilationResult Compile(SpikformerModel model, string? programName = null)
    {
        var config = model.ActiveConfig;
        if (config.Input.Encoding == InputEncoding.Real)
            throw new NeuroException(
                $"config '{config.Name}' takes real-valued images; spike programs take DVS event frames (encoding eventCounts or eventBinary)");
        var weights = ModelWeights.Read(model);

        // Pass 1 lowers with placeholder LIF integers only to let the verifier prove every accumulator's bound;
        // those bounds depend on weights and spike maxima, never on θ, so pass 2 picks each LIF's F from them.
        var placeholder = new Lowering(config, weights, programName, (_, _) => new LifSettings([1], IntegerMath.MaxLeak, 0));
        var draft = ProgramVerifier.Verify(placeholder.Build());
        var layers = new List<LayerQuantization>();
        var final = new Lowering(config, weights, programName, (request, inputBuffer) =>
        {
            long bound = draft.ValueBounds[inputBuffer];
            var settings = LifQuantization.For(request.Threshold, request.Tau, request.Scales, bound);
            layers.Add(new LayerQuantization(request.SynapticName, request.LifName, request.Scales.Min(), request.Scales.Max(),
                request.MaxWeightError, settings.FractionalBits, settings.Leak, settings.Thresholds.Min(), settings.Thresholds.Max(), bound));
            return settings;
        });
        return new CompilationResult(ProgramVerifier.Verify(final.Build()), layers);
    }

    /// <summary>The program's input spec for a config: the model's downsampled frame, its T and encoding.</summary>
    public static ProgramInput InputFor(ArchitectureConfig config) => new(
        config.Input.Channels, config.Input.ModelHeight, config.Input.ModelWidth, config.TimeSteps,
        config.Input.Encoding == InputEncoding.EventBinary ? FrameEncoding.Binary : FrameEncoding.Counts,
        SplitMode.Number, config.Input.Downsample, config.Input.Width, config.Input.Height);

    /// <summary>What a LIF needs to become integers.</summary>
    internal sealed record LifRequest(string SynapticName, string LifName, double Threshold, double Tau, double[] Scales, double MaxWeightError);

    private sealed class Lowering(
        ArchitectureConfig config, ModelWeights weights, string? programName, Func<LifRequest, int, LifSettings> lifSettings)
    {
        private readonly ProgramBuilder _builder = new(programName ?? config.Name, InputFor(config));

        public SpikeProgram Build()
        {
            int tokens = Stem();
            for (int block = 0; block < config.Depth; block++)
                tokens = Block(block, tokens);
            Readout(tokens);
            return _builder.Build();
        }

        private int Stem()
        {
            int x = _builder.Input;
            int channels = config.Input.Channels;
            var lif = config.Sps.Lif;
            for (int stage = 0; stage < SpsConfig.Stages; stage++)
            {
                int width = config.EmbedDim / SpsConfig.StageDivisors[stage];
                bool dense = stage == 0 && config.Input.Encoding == InputEncoding.EventCounts;
                x = ConvNormFire($"sps.conv{stage}", $"sps.bn{stage}", $"sps.lif{stage}", x, channels, width, lif, dense);
                if (config.Sps.MaxPoolAfter[stage])
                    x = _builder.MaxPool($"sps.pool{stage}", x);
                channels = width;
            }
            int position = ConvNormFire("sps.rpe_conv", "sps.rpe_bn", "sps.rpe_lif", x, channels, channels, lif, dense: false);
            return _builder.ToTokens("sps.tokens", _builder.Add("sps.add", x, position));
        }

        private int Block(int index, int tokens)
        {
            string prefix = $"blocks.{index}";
            var block = config.Blocks[index];
            int c = config.EmbedDim;
            int q = LinearNormFire($"{prefix}.attn.q", tokens, c, c, config.Bias.Qkv, block.Lif);
            int k = LinearNormFire($"{prefix}.attn.k", tokens, c, c, config.Bias.Qkv, block.Lif);
            int v = LinearNormFire($"{prefix}.attn.v", tokens, c, c, config.Bias.Qkv, block.Lif);
            bool queryKeyFirst = config.AttentionOrder == AttentionOrder.QKFirst;
            string product = queryKeyFirst ? $"{prefix}.attn.av" : $"{prefix}.attn.qkv";
            int mixed = queryKeyFirst
                ? _builder.MatMulAV(product, _builder.MatMulQK($"{prefix}.attn.qk", q, k, block.Heads), v, block.Heads)
                : _builder.MatMulQKV(product, q, _builder.MatMulKV($"{prefix}.attn.kv", k, v, block.Heads), block.Heads);
            // The products of spikes are exact integers and the float model multiplies them by the scale before the
            // LIF: one count is worth `scale`, so the scale becomes the threshold's unit (no shift, no rounding).
            string attentionLif = $"{prefix}.attn.attn_lif";
            var attention = lifSettings(
                new LifRequest(product, attentionLif, config.AttentionThreshold, block.Lif.Tau, [config.AttentionScale], 0),
                mixed);
            int attended = _builder.Lif(attentionLif, mixed, attention.Thresholds, attention.Leak, attention.FractionalBits);
            int projected = LinearNormFire($"{prefix}.attn.proj", attended, c, c, config.Bias.Projection, block.Lif);
            int afterAttention = _builder.Add($"{prefix}.add_attn", tokens, projected);
            int hidden = block.MlpHidden(c);
            int fc1 = LinearNormFire($"{prefix}.mlp.fc1", afterAttention, c, hidden, config.Bias.Mlp, block.Lif);
            int fc2 = LinearNormFire($"{prefix}.mlp.fc2", fc1, hidden, c, config.Bias.Mlp, block.Lif);
            return _builder.Add($"{prefix}.add_mlp", afterAttention, fc2);
        }

        private void Readout(int tokens)
        {
            int n = _builder.ShapeOf(tokens)[0];
            var head = weights.Linear("head.linear", config.Classes, config.EmbedDim, config.Bias.Head);
            var quantized = Quantizer.PerTensor(head, (long)n * config.TimeSteps);
            _builder.Readout("head.linear", tokens, config.Classes, quantized.Weights,
                config.Bias.Head ? quantized.Bias : ReadOnlySpan<int>.Empty);
        }

        private int ConvNormFire(string conv, string norm, string lif, int input, int inChannels, int outChannels, LifParameters neuron, bool dense)
        {
            var folded = BatchNormFolding.Fold(weights.Conv(conv, outChannels, inChannels), weights.Norm(norm, outChannels));
            var quantized = Quantizer.PerChannel(folded);
            int accumulator = _builder.Conv2d(conv, input, outChannels, quantized.Weights, quantized.Bias, dense);
            return Fire(conv, lif, accumulator, neuron, folded, quantized);
        }

        private int LinearNormFire(string prefix, int input, int inFeatures, int outFeatures, bool bias, LifParameters neuron)
        {
            var folded = BatchNormFolding.Fold(weights.Linear($"{prefix}_linear", outFeatures, inFeatures, bias), weights.Norm($"{prefix}_bn", outFeatures));
            var quantized = Quantizer.PerChannel(folded);
            int accumulator = _builder.Linear($"{prefix}_linear", input, outFeatures, quantized.Weights, quantized.Bias);
            return Fire($"{prefix}_linear", $"{prefix}_lif", accumulator, neuron, folded, quantized);
        }

        private int Fire(string synaptic, string lif, int accumulator, LifParameters neuron, FloatLayer folded, QuantizedLayer quantized)
        {
            var settings = lifSettings(
                new LifRequest(synaptic, lif, neuron.Threshold, neuron.Tau, quantized.Scales, quantized.MaxWeightError(folded)), accumulator);
            return _builder.Lif(lif, accumulator, settings.Thresholds, settings.Leak, settings.FractionalBits);
        }
    }
}
