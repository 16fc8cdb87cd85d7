using Neuro.Program;

namespace Neuro.Program.Tests.Support;

/// <summary>Runs a few ops alone, as TFLM's kernel_runner does, and reads any buffer back after any step.</summary>
internal static class OpHarness
{
    public static InputSpec Spec(int channels, int height, int width, int timeSteps = 1, FrameEncoding encoding = FrameEncoding.Counts) =>
        new(channels, height, width, timeSteps, encoding, SplitMode.Number, 1, width, height);

    public static ProgramBuilder Builder(int channels, int height, int width, int timeSteps = 1, FrameEncoding encoding = FrameEncoding.Counts) =>
        new("op-test", Spec(channels, height, width, timeSteps, encoding));

    public static InterpreterResult Run(ProgramBuilder builder, params byte[] sample) =>
        new ReferenceInterpreter(builder.BuildVerified(), TraceLevel.AllBuffers).Run(sample);

    public static int[] Buffer(this InterpreterResult result, string name, int step = 0) => [.. result.Traces[name][step]];

    public static OpStepCounters Counters(this InterpreterResult result, string op, int step = 0) =>
        result.Counters.Single(c => c.Name == op).Steps[step];

    /// <summary>A 3×3 kernel that passes the centre input through times <paramref name="gain"/>: X = gain·in + bias.</summary>
    public static sbyte[] Centre(int gain) => [0, 0, 0, 0, (sbyte)gain, 0, 0, 0, 0];

    /// <summary>A LIF named <c>lif</c> (membrane <c>lif.v</c>) over n neurons fed X[t,i] = gain·input[t,i] + bias.</summary>
    public static ProgramBuilder LifChain(int neurons, int timeSteps, int gain, int bias, int[] thresholds, int leak, int fractionalBits = 0)
    {
        var b = Builder(1, 1, neurons, timeSteps);
        int x = b.Conv2d("x", b.Input, 1, Centre(gain), [bias]);
        b.Lif("lif", x, thresholds, leak, fractionalBits);
        return b;
    }
}
