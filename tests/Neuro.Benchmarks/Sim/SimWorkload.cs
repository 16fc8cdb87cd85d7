using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Data.Framing;
using Neuro.Data.Synthetic;
using Neuro.Models.Spikformer;
using Neuro.Program;
using Neuro.Tests.Support;

namespace Neuro.Benchmarks.Sim;

/// <summary>
/// One preset's model, its compiled program and framed synthetic gesture samples: the same model and the same input for
/// the simulator and for TorchSharp's float forward. The model is randomly initialised with BN statistics set as after
/// training (as the compiler's tests do), because a fresh model is nearly silent past its first LIF and would flatter
/// an event-driven simulator.
/// </summary>
internal sealed class SimWorkload : IDisposable
{
    private SimWorkload(SpikformerModel model, VerifiedProgram program, byte[][] samples, float[][] frames, FrameShape shape)
    {
        Model = model;
        Program = program;
        Samples = samples;
        Frames = frames;
        Shape = shape;
    }

    public SpikformerModel Model { get; }

    public VerifiedProgram Program { get; }

    /// <summary>u8 [T, C, H, W] samples as the program takes them.</summary>
    public byte[][] Samples { get; }

    /// <summary>The same samples as float frames for the model.</summary>
    public float[][] Frames { get; }

    public FrameShape Shape { get; }

    public readonly record struct FrameShape(int T, int C, int H, int W);

    public static SimWorkload Create(string preset, int sampleCount, int seed = 1)
    {
        var config = Presets.Get(preset);
        var model = FiringModels.Create(config, seed);
        var program = SpikformerCompiler.Compile(model).Program;
        var input = program.Program.Input;
        var framing = new FramingOptions(input.TimeSteps, FrameSplit.Number, input.Downsample,
            input.Encoding == FrameEncoding.Binary ? FrameValue.Binary : FrameValue.Counts, input.SensorWidth, input.SensorHeight);

        var generator = new SyntheticGestureGenerator(new SyntheticGestureOptions { Seed = seed, SampleDuration = TimeSpan.FromSeconds(1) });
        var recording = generator.GenerateRecording(1, SyntheticGestureOptions.KnownLightings[0]);
        var samples = new List<byte[]>();
        var frames = new List<float[]>();
        foreach (var label in recording.Labels.Take(sampleCount))
        {
            int start = recording.Events.LowerBound(label.StartUs), end = recording.Events.LowerBound(label.EndUs);
            var tensor = EventFramer.Frame(recording.Events.Slice(start, end - start), framing);
            frames.Add(tensor.Data);
            samples.Add([.. tensor.Data.Select(v => (byte)Math.Clamp(v, 0f, 255f))]);
        }
        return new SimWorkload(model, program, [.. samples], [.. frames], new FrameShape(input.TimeSteps, input.Channels, input.Height, input.Width));
    }

    public void Dispose() => Model.Dispose();
}
