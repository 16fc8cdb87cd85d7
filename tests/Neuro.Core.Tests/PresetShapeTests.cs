using Neuro.Core.Architecture;

namespace Neuro.Core.Tests;

/// <summary>
/// Parameter and MAC counts derived by hand from the official code's module shapes (3×3 convs without bias, BN with
/// weight and bias, linear layers with bias where the code has one), independent of <see cref="LayerTable"/>.
/// </summary>
public class PresetShapeTests
{
    private static long SpsParameters(int inChannels, int c)
    {
        int[] widths = [c / 8, c / 4, c / 2, c];
        long total = 0;
        int previous = inChannels;
        foreach (int width in widths)
        {
            total += previous * width * 9L + 2L * width;
            previous = width;
        }
        return total + c * c * 9L + 2L * c;
    }

    private static long BlockParameters(int c, int hidden, bool qkvBias) =>
        3 * (c * (long)c + (qkvBias ? c : 0)) + (c * (long)c + c) + 4 * 2L * c
        + (c * (long)hidden + hidden) + 2L * hidden
        + (hidden * (long)c + c) + 2L * c;

    [Theory]
    [InlineData("spikformer-dvs-2-256", 2, 256, 2, 1024, 11, false)]
    [InlineData("spikformer-cifar10-4-384", 3, 384, 4, 1536, 10, true)]
    [InlineData("spikformer-cifar100-4-384", 3, 384, 4, 1536, 100, true)]
    [InlineData("spikformer-imagenet-8-512", 3, 512, 8, 2048, 1000, false)]
    public void Preset_parameter_count_equals_the_sum_over_the_official_module_shapes(
        string preset, int inChannels, int c, int depth, int hidden, int classes, bool qkvBias)
    {
        long expected = SpsParameters(inChannels, c) + depth * BlockParameters(c, hidden, qkvBias) + c * (long)classes + classes;

        Assert.Equal(expected, LayerTable.From(Presets.Get(preset)).TotalParameters);
    }

    [Fact]
    public void The_papers_quoted_parameter_counts_are_reproduced()
    {
        Assert.Equal(2.57, Math.Round(LayerTable.From(Presets.Get("spikformer-dvs-2-256")).TotalParameters / 1e6, 2));
        Assert.Equal(9.32, Math.Round(LayerTable.From(Presets.Get("spikformer-cifar10-4-384")).TotalParameters / 1e6, 2));
    }

    [Fact]
    public void Dvs_preset_macs_per_step_follow_from_the_feature_map_sizes()
    {
        // 128×128 input, max-pool after every stage: the convs see 128², 64², 32², 16², the RPE 8² (N = 64 tokens).
        long sps = 2L * 32 * 9 * 128 * 128 + 32L * 64 * 9 * 64 * 64 + 64L * 128 * 9 * 32 * 32 + 128L * 256 * 9 * 16 * 16
                   + 256L * 256 * 9 * 8 * 8;
        const long n = 64, c = 256, hidden = 1024;
        long block = 4 * n * c * c + 2 * n * n * c + 2 * n * c * hidden;
        long head = n * c + c * 11;

        var table = LayerTable.From(Presets.Get("spikformer-dvs-2-256"));

        Assert.Equal(sps + 2 * block + head, table.MacsPerStep);
        Assert.Equal(64, table.Tokens);
    }

    [Fact]
    public void Cifar_preset_macs_per_step_follow_from_the_feature_map_sizes()
    {
        // 32×32 input, max-pools after stages 3 and 4: convs at 32², 32², 32², 16², RPE at 8² (N = 64).
        long sps = 3L * 48 * 9 * 1024 + 48L * 96 * 9 * 1024 + 96L * 192 * 9 * 1024 + 192L * 384 * 9 * 256 + 384L * 384 * 9 * 64;
        const long n = 64, c = 384, hidden = 1536;
        long block = 4 * n * c * c + 2 * n * n * c + 2 * n * c * hidden;
        long head = n * c + c * 10;

        var table = LayerTable.From(Presets.Get("spikformer-cifar10-4-384"));

        Assert.Equal(sps + 4 * block + head, table.MacsPerStep);
        // The static image's first conv runs once per sample, the head once; everything else T = 4 times.
        long firstConv = 3L * 48 * 9 * 1024, headLinear = c * 10;
        Assert.Equal(4 * (table.MacsPerStep - firstConv - headLinear) + firstConv + headLinear, table.MacsPerSample);
    }

    [Fact]
    public void Imagenet_preset_uses_the_kv_first_attention_cost()
    {
        // 224 → 112 → 56 → 28 → 14: N = 196 tokens; K^T V and Q(K^T V) cost N·C·d each, d = 512 / 8.
        var table = LayerTable.From(Presets.Get("spikformer-imagenet-8-512"));
        const long n = 196, c = 512, d = 64;

        Assert.Equal(n * c * d, table["blocks.0.attn.kv"].MacsPerStep);
        Assert.Equal(n * c * d, table["blocks.0.attn.qkv"].MacsPerStep);
        Assert.Equal(196, table.Tokens);
    }

    [Fact]
    public void Residual_sums_grow_the_integer_range_of_each_blocks_inputs()
    {
        var table = LayerTable.From(Presets.Get("spikformer-cifar10-4-384"));

        Assert.Equal(2, table["blocks.0.attn.q_linear"].MaxInputValue);
        Assert.Equal(3, table["blocks.0.mlp.fc1_linear"].MaxInputValue);
        Assert.Equal(4, table["blocks.1.attn.q_linear"].MaxInputValue);
        Assert.Equal(1, table["blocks.1.attn.proj_linear"].MaxInputValue);
        Assert.Equal(Core.Architecture.ValueKind.Spike, table["blocks.1.mlp.fc2_linear"].InputKind);
    }

    [Fact]
    public void Every_layer_name_is_unique_and_every_source_exists()
    {
        foreach (string preset in Presets.Names)
        {
            var table = LayerTable.From(Presets.Get(preset));
            var names = table.Layers.Select(layer => layer.Name).ToList();
            Assert.Equal(names.Count, names.Distinct().Count());
            foreach (var layer in table.Layers)
                Assert.All(layer.Sources, source => Assert.True(source == LayerTable.InputName || names.Contains(source), $"{layer.Name} ← {source}"));
        }
    }
}
