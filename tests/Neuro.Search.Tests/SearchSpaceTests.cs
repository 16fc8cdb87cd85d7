using Neuro.Core.Errors;
using Neuro.Core.SearchSpaces;

namespace Neuro.Search.Tests;

public class SearchSpaceTests
{
    [Fact]
    public void Every_shipped_space_loads_and_validates()
    {
        Assert.Contains(SearchSpaceCatalog.DefaultName, SearchSpaceCatalog.Names);
        foreach (string name in SearchSpaceCatalog.Names)
            Assert.Empty(SearchSpaceCatalog.Get(name).Validate());
    }

    [Fact]
    public void The_default_space_spans_the_issue_ranges()
    {
        var space = SearchSpaceCatalog.Get(SearchSpaceCatalog.DefaultName);
        Assert.Equal([16, 32, 48, 64, 80, 96, 112, 128], space.EmbedDims);
        Assert.Equal([1, 2, 3, 4], space.Depths);
        Assert.Equal([4, 8, 12, 16], space.TimeSteps);
        Assert.Equal(8, space.Thresholds.Count);
        Assert.Equal(1.0, space.Thresholds[2]);
        Assert.Equal(2.0, space.Thresholds[^1]);
        Assert.Equal(36, space.Taus.Count);
        Assert.Equal(10.0, space.Taus[^1]);
        Assert.Equal([4, 8], space.DownsampleChoices);
    }

    [Fact]
    public void Yaml_and_json_spellings_give_the_same_space()
    {
        const string yaml = "name: s\ntemplate: dvsgesture-mcu-1-64\nchoices:\n  embedDim: {min: 16, max: 32, step: 16}\n  depth: [1]\n"
            + "  mlpRatio: [2]\n  heads: [1, 2]\n  threshold: [1.0]\n  tau: {min: 1.5, max: 2.0, step: 0.25}\n  timeSteps: [4]\n";
        const string json = """
            {"name": "s", "template": "dvsgesture-mcu-1-64", "choices": {"embedDim": [16, 32], "depth": [1], "mlpRatio": [2],
             "heads": [1, 2], "threshold": [1.0], "tau": [1.5, 1.75, 2.0], "timeSteps": [4]}}
            """;
        Assert.Equal(SearchSpaceFile.Parse(yaml, "yaml"), SearchSpaceFile.Parse(json, "json"));
    }

    [Theory]
    [InlineData("heads: [3]", "choices.heads")]
    [InlineData("heads: {min: 1, max: 2}", "choices.heads.step")]
    [InlineData("heads: [1]\n  colour: [1]", "choices.colour")]
    [InlineData("heads: [one]", "choices.heads[0]")]
    [InlineData("heads: [1]\n  tau: [0.5]", "choices.tau")]
    public void A_bad_choice_is_refused_naming_its_field(string line, string field)
    {
        string text = "name: s\ntemplate: dvsgesture-mcu-1-64\nchoices:\n  embedDim: [16]\n  depth: [1]\n  mlpRatio: [2]\n"
            + "  threshold: [1.0]\n  timeSteps: [4]\n  " + line + (line.Contains("tau") ? "" : "\n  tau: [2.0]");
        var error = Assert.Throws<ConfigValidationException>(() => SearchSpaceFile.Parse(text, "bad.yaml"));
        Assert.Contains(error.Errors, e => e.Field == field);
        Assert.StartsWith("bad.yaml is invalid", error.Message);
    }

    [Fact]
    public void An_unknown_template_is_refused_naming_the_template_field()
    {
        var error = Assert.Throws<ConfigValidationException>(() => SearchSpaceFile.Parse(
            "name: s\ntemplate: nope\nchoices: {embedDim: [16], depth: [1], mlpRatio: [2], heads: [1], threshold: [1], tau: [2], timeSteps: [4]}", "x"));
        Assert.Equal("template", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void A_range_whose_step_does_not_divide_it_is_refused()
    {
        var error = Assert.Throws<ConfigValidationException>(() => SearchSpaceFile.Range(1, 2, 0.3, "choices.tau"));
        Assert.Equal("choices.tau.step", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void Text_that_is_not_yaml_names_the_line()
    {
        var error = Assert.Throws<NeuroException>(() => SearchSpaceFile.Parse("name: [unclosed", "broken.yaml"));
        Assert.Contains("broken.yaml", error.Message);
        Assert.Contains("line", error.Message);
    }
}
