using System.Text.Json;
using Neuro.Core.Architecture;
using Neuro.Core.SearchSpaces;
using Neuro.Models.Supernet;
using Neuro.Models.Training;

namespace Neuro.Cli.Tests;

[Collection("Sequential")]
public sealed class SupernetRankCheckTests(CompileFixture fixture) : IClassFixture<CompileFixture>
{
    [Fact]
    public void Rank_check_writes_both_accuracies_per_subnet_and_kendall_tau()
    {
        var space = new SearchSpace(
            Presets.Get(Presets.MicrocontrollerName) with { Input = new Core.Architecture.InputSpec(2, 128, 128, 8, InputEncoding.EventBinary) },
            EmbedDims: [8, 16], Depths: [1], MlpRatios: [1, 2], Heads: [1, 2], Thresholds: [1.0], Taus: [2.0], TimeSteps: [2]) { Name = "tiny" };
        string checkpoint = Path.Combine(fixture.Dir, "supernet");
        using (var supernet = SpikformerSupernet.Create(space))
            Checkpoint.Save(checkpoint, supernet.Model, new TrainingMetadata(TrainingMetadata.SupernetKind, new TrainingOptions { Epochs = 1 }, 1, 0, []), null, space);
        string output = Path.Combine(fixture.Dir, "rank");

        var (exit, stdout, error) = CompileCommandTests.Run(
            "supernet", "rank-check", checkpoint, "--data", fixture.Data, "--subnets", "3", "--epochs", "1", "--batch", "8", "--out", output, "--json");

        Assert.True(exit == 0, error);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "rank-check.json")));
        var subnets = report.RootElement.GetProperty("subnets");
        Assert.Equal(3, subnets.GetArrayLength());
        foreach (var subnet in subnets.EnumerateArray())
        {
            Assert.InRange(subnet.GetProperty("inheritedAccuracy").GetDouble(), 0, 1);
            Assert.InRange(subnet.GetProperty("scratchAccuracy").GetDouble(), 0, 1);
            Assert.True(Directory.Exists(Path.Combine(output, "scratch", subnet.GetProperty("key").GetString()!)));
        }
        // The file and --json carry the same document; τ-b is omitted only when accuracies do not vary.
        Assert.Equal(File.ReadAllText(Path.Combine(output, "rank-check.json")).Trim(), stdout.Trim());
        Assert.Contains("inherited", error);
    }
}
