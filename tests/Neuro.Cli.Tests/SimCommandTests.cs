using System.Text.Json;

namespace Neuro.Cli.Tests;

[Collection("Sequential")]
public sealed class SimCommandTests(CompileFixture fixture) : IClassFixture<CompileFixture>
{
    private string CompiledProgram()
    {
        string program = Path.Combine(fixture.Dir, "sim-model.nsp");
        if (!File.Exists(program))
        {
            var (exit, _, error) = CompileCommandTests.Run("compile", fixture.Checkpoint, "--board", "host", "--out", program);
            Assert.True(exit == 0, error);
        }
        return program;
    }

    [Fact]
    public void Sim_audits_a_compiled_program_into_json_markdown_and_charts()
    {
        string report = Path.Combine(fixture.Dir, "audit");

        var (exit, output, error) = CompileCommandTests.Run("sim", CompiledProgram(), "--data", fixture.Data, "--samples", "3", "--mode", "paper", "--report", report, "--json");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("samples").GetInt32());
        Assert.True(root.GetProperty("cycles").GetDouble() > 0);
        Assert.True(root.GetProperty("fullEnergy").GetProperty("total").GetDouble() > root.GetProperty("paperEnergy").GetProperty("total").GetDouble());
        Assert.Contains(root.GetProperty("layers").EnumerateArray(), layer => layer.GetProperty("name").GetString() == "sps.conv0");
        foreach (string file in new[] { "report.json", "report.md", "energy-per-layer.png", "firing-rates.png", "paper-vs-full.png" })
            Assert.True(new FileInfo(Path.Combine(report, file)).Length > 0, $"{file} missing or empty");
    }

    [Fact]
    public void Sim_refuses_a_file_that_is_not_a_program_and_writes_no_report()
    {
        string garbage = Path.Combine(fixture.Dir, "garbage.nsp");
        File.WriteAllBytes(garbage, new byte[100]);
        string report = Path.Combine(fixture.Dir, "no-audit");

        var (exit, _, error) = CompileCommandTests.Run("sim", garbage, "--data", fixture.Data, "--report", report);

        Assert.Equal(1, exit);
        Assert.Contains("not a spike program", error);
        Assert.False(File.Exists(Path.Combine(report, "report.json")));
    }
}
