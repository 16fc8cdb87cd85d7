using Neuro.Compiler;
using TorchSharp;
using static TorchSharp.torch;

namespace Neuro.Compiler.Tests;

[Collection("Sequential")]
public class BatchNormFoldingTests
{
    [Fact]
    public void Folded_conv_computes_what_conv_then_eval_batchnorm_computes()
    {
        torch.manual_seed(3);
        const int outChannels = 5, inChannels = 3;
        var weight = randn(outChannels, inChannels, 3, 3);
        var gamma = rand(outChannels) + 0.5;
        var beta = randn(outChannels);
        var mean = randn(outChannels);
        var variance = rand(outChannels) + 0.1;
        var input = randn(2, inChannels, 6, 6);

        var reference = nn.functional.batch_norm(nn.functional.conv2d(input, weight, padding: [1, 1]), mean, variance, gamma, beta, training: false, eps: 1e-5);

        var layer = new FloatLayer("conv", outChannels, inChannels * 9, weight.data<float>().ToArray(), new float[outChannels]);
        var norm = new BatchNormParameters(gamma.data<float>().ToArray(), beta.data<float>().ToArray(), mean.data<float>().ToArray(),
            variance.data<float>().ToArray(), 1e-5);
        var folded = BatchNormFolding.Fold(layer, norm);
        var foldedOutput = nn.functional.conv2d(input, tensor(folded.Weights).reshape(outChannels, inChannels, 3, 3), tensor(folded.Bias), padding: [1, 1]);

        Assert.True(allclose(reference, foldedOutput, rtol: 1e-5, atol: 1e-5), $"max difference {(reference - foldedOutput).abs().max().item<float>()}");
    }

    [Fact]
    public void Folding_keeps_an_existing_bias_through_the_normalisation()
    {
        var layer = new FloatLayer("linear", 1, 2, [1f, -2f], [0.5f]);
        var norm = new BatchNormParameters([2f], [1f], [0.25f], [3f], 1);
        var folded = BatchNormFolding.Fold(layer, norm);
        // factor = 2/√(3 + 1) = 1: weights unchanged, bias (0.5 − 0.25)·1 + 1.
        Assert.Equal([1f, -2f], folded.Weights);
        Assert.Equal(1.25f, folded.Bias[0], 6);
    }
}
