using System.Buffers.Binary;
using System.Text.Json;
using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.Pipeline.Tests;

/// <summary>
/// The reduced demo (<see cref="DemoSizes.Quick"/>) end to end, once for the whole class: data, search, training,
/// compilation, audit, firmware, the host board (fast on CI), deploy, stream and the report folder.
/// </summary>
public sealed class QuickDemoFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"neuro-pipeline-tests-{Guid.NewGuid():N}");

    public string Output => Path.Combine(Root, "demo");

    public DemoSummary Summary { get; private set; } = null!;

    public List<DemoProgress> Progress { get; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var options = new DemoOptions { OutputDirectory = Output, Sizes = DemoSizes.Quick, ForceHostBoard = true, Seed = 3 };
        var pipeline = new DemoPipeline(options, new Recorder(Progress));
        Summary = await pipeline.RunAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private sealed class Recorder(List<DemoProgress> list) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value)
        {
            lock (list)
                list.Add(value);
        }
    }
}

public sealed class QuickDemoTests(QuickDemoFixture demo) : IClassFixture<QuickDemoFixture>
{
    [Fact]
    public void The_board_returns_the_simulators_logits_and_class_for_every_streamed_sample()
    {
        var s = demo.Summary;
        Assert.Equal(DemoSizes.Quick.StreamSamples, s.Accuracy.StreamedSamples);
        Assert.Equal(s.Accuracy.StreamedSamples, s.Samples.Count);
        Assert.All(s.Samples, sample =>
        {
            Assert.True(sample.LogitsMatch, $"sample {sample.Index}: board logits differ from the simulator's");
            Assert.Equal(sample.Simulator, sample.Board);
        });
        Assert.Equal(s.Accuracy.StreamedSamples, s.Accuracy.BoardMatchesSimulator);
        Assert.Equal(s.Samples.Count(r => r.Board == r.Label) / (double)s.Samples.Count, s.Accuracy.OnBoard, 12);
    }

    [Fact]
    public void Every_accuracy_is_a_fraction_and_the_simulator_agrees_with_the_integer_program()
    {
        var a = demo.Summary.Accuracy;
        foreach (double value in new[] { a.Float, a.Integer, a.Agreement, a.Simulator, a.OnBoard })
            Assert.InRange(value, 0, 1);
        Assert.Equal(a.Integer, a.Simulator, 12);
        Assert.Equal(demo.Summary.Data.TestSamples, a.TestSamples);
    }

    [Fact]
    public void Firmware_and_program_fit_within_the_boards_memories()
    {
        var m = demo.Summary.Memory;
        var board = BoardCatalog.Load(DemoOptions.DefaultBoard);
        Assert.Equal(board.Flash.Bytes, m.FlashBytes);
        Assert.Equal(board.Sram.Bytes, m.SramBytes);
        Assert.InRange(m.FirmwareFlashBytes, 1, m.FlashBytes);
        Assert.InRange(m.FirmwareSramBytes, 1, m.SramBytes);
        Assert.InRange(m.ProgramFileBytes, 1, m.ProgramSlotBytes);
        Assert.InRange(m.ProgramArenaBytes, 1, m.ArenaBytes);
        Assert.InRange(m.PlanFlashBytes, 1, m.PlanFlashAvailable);
        Assert.InRange(m.PlanSramBytes, 1, m.PlanSramAvailable);
        Assert.Equal(new FileInfo(Path.Combine(demo.Output, "model.nsp")).Length, m.ProgramFileBytes);
    }

    [Fact]
    public void Energy_figures_are_positive_and_a_board_without_energy_per_cycle_gets_a_reason_not_a_number()
    {
        var e = demo.Summary.Energy;
        Assert.True(e.PaperPicojoules > 0);
        Assert.True(e.FullPicojoules > 0);
        Assert.True(e.SimulatorCycles > 0);
        Assert.Null(BoardCatalog.Load(DemoOptions.DefaultBoard).Energy);
        Assert.Null(e.BoardPicojoules);
        Assert.Contains("energy per cycle", e.BoardReason);
    }

    [Fact]
    public void The_host_board_reports_time_not_instructions_and_says_why_it_ran()
    {
        var s = demo.Summary;
        Assert.Equal("host", s.RanOn);
        Assert.NotNull(s.RanOnReason);
        Assert.Null(s.OnBoard.Instructions);
        Assert.NotNull(s.OnBoard.InstructionsReason);
        Assert.True(s.OnBoard.Counter > 0);
        Assert.Equal(s.Memory.ProgramFileBytes, s.OnBoard.ProgramBytes);
    }

    [Fact]
    public void The_report_folder_holds_valid_pngs_an_html_page_and_the_summary_as_json()
    {
        foreach (string chart in DemoReport.Charts)
        {
            var bytes = File.ReadAllBytes(Path.Combine(demo.Output, chart));
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), $"{chart} is not a PNG");
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)) > 100, $"{chart} is implausibly narrow");
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)) > 100, $"{chart} is implausibly short");
        }
        string html = File.ReadAllText(Path.Combine(demo.Output, DemoPipeline.ReportFile));
        Assert.All(DemoReport.Charts, chart => Assert.Contains($"src=\"{chart}\"", html));
        var read = JsonSerializer.Deserialize<DemoSummary>(File.ReadAllText(Path.Combine(demo.Output, DemoPipeline.SummaryFile)), DemoPipeline.JsonOptions)!;
        Assert.Equal(demo.Summary.Model.ProgramHash, read.Model.ProgramHash);
        Assert.Equal(demo.Summary.Samples.Count, read.Samples.Count);
    }

    [Fact]
    public void Every_stage_is_timed_in_order_and_reported_its_end()
    {
        Assert.Equal(Enum.GetNames<DemoStage>().Select(n => n.ToLowerInvariant()), demo.Summary.Stages.Select(t => t.Stage));
        Assert.All(demo.Summary.Stages, t => Assert.True(t.Seconds >= 0));
        Assert.True(demo.Summary.TotalSeconds >= demo.Summary.Stages.Sum(t => t.Seconds) - 1);
        foreach (var stage in Enum.GetValues<DemoStage>())
            Assert.Contains(demo.Progress, p => p.Stage == stage && p.Done >= p.Total);
    }

    [Fact]
    public void No_staging_folder_is_left_beside_the_report()
    {
        Assert.Equal(["demo"], Directory.GetFileSystemEntries(demo.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_folder_holding_a_finished_demo_is_refused_and_left_as_it_was()
    {
        string summary = Path.Combine(demo.Output, DemoPipeline.SummaryFile);
        var before = File.GetLastWriteTimeUtc(summary);
        var again = new DemoPipeline(new DemoOptions { OutputDirectory = demo.Output, Sizes = DemoSizes.Quick, ForceHostBoard = true });
        var error = await Assert.ThrowsAsync<NeuroException>(() => again.RunAsync(CancellationToken.None));
        Assert.Contains("holds a finished demo", error.Message);
        Assert.Equal(before, File.GetLastWriteTimeUtc(summary));
    }
}
