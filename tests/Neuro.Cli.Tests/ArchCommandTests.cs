using System.Text.Json;
using Neuro.Cli.Infrastructure;

namespace Neuro.Cli.Tests;

public class ArchCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await NeuroCli.RunAsync(args, new CliContext(output, error, interactive: false));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Arch_without_arguments_shows_the_default_preset_table()
    {
        var (exit, output, _) = await Run("arch");

        Assert.Equal(0, exit);
        Assert.Contains("spikformer-dvs-2-256", output);
        Assert.Contains("blocks.1.mlp.fc2_linear", output);
        Assert.Contains("2,566,923", output);
    }

    [Fact]
    public async Task Arch_json_has_the_documented_fields()
    {
        var (exit, output, _) = await Run("arch", "--preset", "spikformer-cifar10-4-384", "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(9324730, root.GetProperty("parameters").GetInt64());
        Assert.Equal(64, root.GetProperty("tokens").GetInt32());
        Assert.True(root.GetProperty("macsPerStep").GetInt64() > 0);
        var first = root.GetProperty("layers")[0];
        Assert.Equal("sps.conv0", first.GetProperty("name").GetString());
        Assert.Equal("conv2d", first.GetProperty("kind").GetString());
        Assert.Equal("real", first.GetProperty("inputKind").GetString());
    }

    [Fact]
    public async Task Arch_with_firing_rates_reports_energy()
    {
        string ratesPath = Path.GetTempFileName();
        try
        {
            var table = Core.Architecture.LayerTable.From(Core.Architecture.Presets.Get("spikformer-dvs-2-256"));
            var rates = table.Layers.Where(l => l.Kind is Core.Architecture.LayerKind.Lif or Core.Architecture.LayerKind.MaxPool)
                .ToDictionary(l => l.Name, _ => 0.1);
            await File.WriteAllTextAsync(ratesPath, JsonSerializer.Serialize(rates));

            var (exit, output, _) = await Run("arch", "--firing-rates", ratesPath, "--json");

            Assert.Equal(0, exit);
            using var document = JsonDocument.Parse(output);
            Assert.True(document.RootElement.GetProperty("energy").GetProperty("totalPicojoules").GetDouble() > 0);
        }
        finally
        {
            File.Delete(ratesPath);
        }
    }

    [Fact]
    public async Task Unknown_preset_fails_with_one_line_and_exit_code_1()
    {
        var (exit, _, error) = await Run("arch", "--preset", "nope");

        Assert.Equal(1, exit);
        Assert.StartsWith("error: unknown preset 'nope'", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task An_invalid_config_file_names_the_field_without_a_stack_trace()
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "{ \"name\": \"x\", \"timeSteps\": 1 ");
            var (exit, _, error) = await Run("arch", "--config", path);

            Assert.Equal(1, exit);
            Assert.Contains(path, error);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Saved_config_reloads_to_the_same_table()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neuro-{Guid.NewGuid():N}.json");
        try
        {
            var (first, saved, _) = await Run("arch", "--preset", "dvsgesture-mcu-1-64", "--save-config", path, "--json");
            var (second, reloaded, _) = await Run("arch", "--config", path, "--json");

            Assert.Equal(0, first);
            Assert.Equal(0, second);
            Assert.Equal(saved, reloaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Help_lists_the_verbs()
    {
        var (exit, output, _) = await Run("--help");

        Assert.Equal(0, exit);
        Assert.Contains("arch", output);
    }
}
