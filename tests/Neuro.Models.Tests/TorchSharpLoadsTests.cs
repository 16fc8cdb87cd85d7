using Neuro.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Models.Tests;

[Collection("Sequential")]
public class TorchSharpLoadsTests
{
    [Fact]
    public void A_linear_forward_runs_on_this_machine()
    {
        using var scope = NewDisposeScope();
        var layer = nn.Linear(3, 2);
        using (no_grad())
        {
            layer.weight!.copy_(tensor(new float[] { 1, 2, 3, -1, 0, 1 }).reshape(2, 3));
            layer.bias!.copy_(tensor(new float[] { 0.5f, -0.5f }));
        }
        var output = layer.forward(tensor(new float[] { 1, 1, 2 }).reshape(1, 3));

        Assert.Equal(new long[] { 1, 2 }, output.shape);
        Assert.Equal(new[] { 9.5f, 0.5f }, output.data<float>().ToArray());
    }

    [Fact]
    public void Cpu_device_resolves_and_unknown_device_is_refused_by_name()
    {
        Assert.Equal(DeviceType.CPU, TorchDevices.Resolve("cpu").type);
        var error = Assert.Throws<NeuroException>(() => TorchDevices.Resolve("tpu"));
        Assert.Contains("tpu", error.Message);
    }

    [Fact]
    public void Cuda_is_refused_with_a_reason_when_absent()
    {
        if (cuda.is_available())
            return;
        var error = Assert.Throws<NeuroException>(() => TorchDevices.Resolve("cuda"));
        Assert.Contains("no CUDA", error.Message);
    }
}
