using Neuro.Core.Architecture;
using Neuro.Core.Errors;

namespace Neuro.Core.Tests;

public class ArchitectureConfigTests
{
    [Fact]
    public void Every_preset_round_trips_through_json()
    {
        foreach (string name in Presets.Names)
        {
            var preset = Presets.Get(name);
            Assert.Equal(preset, ArchitectureJson.Deserialize(ArchitectureJson.Serialize(preset)));
        }
    }

    [Fact]
    public void Heads_that_do_not_divide_the_embedding_are_named_by_block()
    {
        var config = Presets.Get(Presets.MicrocontrollerName);
        var blocks = config.Blocks.ToArray();
        blocks[0] = blocks[0] with { Heads = 5 };

        var error = Assert.Throws<ConfigValidationException>(() => ArchitectureValidator.EnsureValid(config with { Blocks = blocks }));

        Assert.Contains(error.Errors, e => e.Field == "blocks[0].heads");
    }

    [Theory]
    [InlineData("\"timeSteps\": 8", "\"timeSteps\": 0", "timeSteps")]
    [InlineData("\"embedDim\": 64", "\"embedDim\": 60", "embedDim")]
    [InlineData("\"downsample\": 4", "\"downsample\": 3", "input.downsample")]
    [InlineData("\"tau\": 2", "\"tau\": 0.5", "blocks[0].lif.tau")]
    [InlineData("\"attentionScale\": 0.25", "\"attentionScale\": 0.3", "attentionScale")]
    public void Invalid_values_in_json_are_reported_with_their_field(string original, string replacement, string field)
    {
        string json = ArchitectureJson.Serialize(Presets.Get(Presets.MicrocontrollerName));
        Assert.Contains(original, json);

        var error = Assert.Throws<ConfigValidationException>(() => ArchitectureJson.Deserialize(json.Replace(original, replacement), "cfg.json"));

        Assert.Contains(error.Errors, e => e.Field == field);
        Assert.StartsWith("cfg.json is invalid", error.Message);
    }

    [Fact]
    public void Unknown_fields_are_refused_with_their_path()
    {
        string json = ArchitectureJson.Serialize(Presets.Get(Presets.MicrocontrollerName)).Replace("\"classes\": 11", "\"classes\": 11, \"clases\": 3");

        var error = Assert.Throws<ConfigValidationException>(() => ArchitectureJson.Deserialize(json));

        Assert.Contains("clases", error.Message);
    }

    [Fact]
    public void Missing_required_fields_and_malformed_json_are_refused()
    {
        Assert.Throws<ConfigValidationException>(() => ArchitectureJson.Deserialize("{\"name\": \"x\"}"));
        Assert.Throws<ConfigValidationException>(() => ArchitectureJson.Deserialize("{\"name\": "));
        Assert.Throws<ConfigValidationException>(() => ArchitectureJson.Deserialize("null"));
    }

    [Fact]
    public void Too_many_pools_for_the_input_are_refused()
    {
        var config = Presets.Get(Presets.MicrocontrollerName) with { Input = new InputSpec(2, 8, 8, 1) };
        config = config with { Sps = config.Sps with { MaxPoolAfter = [true, true, true, true] } };

        var error = Assert.Throws<ConfigValidationException>(() => ArchitectureValidator.EnsureValid(config));

        Assert.Contains(error.Errors, e => e.Field == "sps.maxPoolAfter");
    }

    [Fact]
    public void Unknown_presets_list_the_known_ones()
    {
        var error = Assert.Throws<NeuroException>(() => Presets.Get("spikformer-9000"));
        Assert.Contains(Presets.DefaultName, error.Message);
    }

    [Fact]
    public void Configs_with_equal_contents_are_equal()
    {
        Assert.Equal(Presets.Get(Presets.DefaultName), Presets.Get(Presets.DefaultName));
        Assert.Equal(Presets.Get(Presets.DefaultName).GetHashCode(), Presets.Get(Presets.DefaultName).GetHashCode());
        Assert.NotEqual(Presets.Get(Presets.DefaultName), Presets.Get(Presets.DefaultName) with { TimeSteps = 4 });
    }
}
