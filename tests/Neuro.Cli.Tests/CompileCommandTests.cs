using System.CommandLine;
using System.Text.Json;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Architecture;
using Neuro.Models.Spikformer;
using Neuro.Models.Training;
using Neuro.Program;

namespace Neuro.Cli.Tests;

/// <summary>A freshly initialised 16×16, T = 4 model saved as a checkpoint, and a tiny synthetic data set, made once.</summary>
public sealed class CompileFixture : IDisposable
{
    public CompileFixture()
    {
        Directory.CreateDirectory(Dir);
        var config = Presets.Get(Presets.MicrocontrollerName) with
        {
            Name = "cli-small",
            Input = new Core.Architecture.InputSpec(2, 128, 128, 8, InputEncoding.EventBinary),
            TimeSteps = 4,
            EmbedDim = 16,
        };
        using (var model = SpikformerModel.Create(config))
            Neuro.Models.Training.Checkpoint.Save(Checkpoint, model, new TrainingMetadata(TrainingMetadata.SpikformerKind, new TrainingOptions { Epochs = 1 }, 1, 0, []), null);
        var (exit, _, error) = CompileCommandTests.Run("data", "synth", "--out", Data, "--users", "2", "--test-users", "1", "--seed", "3", "--duration", "0.3");
        Assert.True(exit == 0, error);
    }

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "neuro-cli-compile-tests", Guid.NewGuid().ToString("N"));

    public string Checkpoint => Path.Combine(Dir, "ckpt");

    public string Data => Path.Combine(Dir, "synth");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

[Collection("Sequential")]
public sealed class CompileCommandTests(CompileFixture fixture) : IClassFixture<CompileFixture>
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(fixture.Dir, Guid.NewGuid().ToString("N"))).FullName;

    internal static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = NeuroCli.RunAsync(args, new CliContext(output, error, interactive: false)).GetAwaiter().GetResult();
        return (exit, output.ToString(), error.ToString());
    }

    private (string Checkpoint, string Data) Prepare() => (fixture.Checkpoint, fixture.Data);

    [Fact]
    public void Compile_writes_a_verified_program_with_its_memory_plan_and_agreement()
    {
        var (checkpoint, data) = Prepare();
        string program = Path.Combine(_dir, "model.nsp");

        var (exit, output, error) = Run("compile", checkpoint, "--board", "netduinoplus2", "--data", data, "--samples", "6", "--out", program, "--json");

        Assert.True(exit == 0, error);
        var verified = ProgramVerifier.Verify(SpikeProgramFile.Load(program));
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        Assert.Equal("netduinoplus2", root.GetProperty("board").GetString());
        Assert.Equal(new FileInfo(program).Length, root.GetProperty("memory").GetProperty("flashBytes").GetInt64());
        Assert.Equal(MemoryPlan.ArenaLayout(verified.Program), root.GetProperty("memory").GetProperty("arenaBytes").GetInt64());
        Assert.True(root.GetProperty("fit").GetProperty("fits").GetBoolean());
        Assert.Equal(6, root.GetProperty("agreement").GetProperty("samples").GetInt32());
        Assert.Equal(SpikeProgramFile.HashOf(File.ReadAllBytes(program)), root.GetProperty("hash").GetString());
    }

    [Fact]
    public void Train_takes_its_architecture_from_a_config_file()
    {
        string config = Path.Combine(_dir, "arch.json");
        ArchitectureJson.Save(Neuro.Models.Training.Checkpoint.Open(fixture.Checkpoint).Config, config);
        string checkpoint = Path.Combine(_dir, "trained");

        var (exit, _, error) = Run("train", "--data", fixture.Data, "--config", config, "--epochs", "1", "--batch", "4", "--out", checkpoint);

        Assert.True(exit == 0, error);
        Assert.Equal("cli-small", Neuro.Models.Training.Checkpoint.Open(checkpoint).Config.Name);
    }

    [Fact]
    public void A_program_too_big_for_the_board_is_refused_and_nothing_is_written()
    {
        var (checkpoint, _) = Prepare();
        string boardFile = Path.Combine(_dir, "tiny-board.json");
        // The same board with 4 KiB of SRAM above its runtime reserve and no RAM program slots.
        var board = Core.Boards.BoardCatalog.Load("netduinoplus2");
        var tiny = board with { Sram = board.Sram with { Bytes = board.Reserve.SramBytes + 4096 }, Slots = null };
        File.WriteAllText(boardFile, JsonSerializer.Serialize(tiny, Core.Boards.BoardCatalog.Options));
        string program = Path.Combine(_dir, "model.nsp");

        var (exit, _, error) = Run("compile", checkpoint, "--board", boardFile, "--out", program);

        Assert.Equal(1, exit);
        Assert.Contains("does not fit board 'netduinoplus2'", error);
        Assert.Contains("SRAM", error);
        Assert.False(File.Exists(program));
    }

    [Fact]
    public void Inspect_shows_the_memory_plan_against_a_board()
    {
        var (checkpoint, _) = Prepare();
        string program = Path.Combine(_dir, "model.nsp");
        Assert.Equal(0, Run("compile", checkpoint, "--board", "host", "--out", program).Exit);

        var (exit, output, error) = Run("program", "inspect", program, "--board", "mps2-an386");

        Assert.True(exit == 0, error);
        Assert.Contains("SRAM arena", output);
        Assert.Contains("board mps2-an386", output);
        Assert.Contains("fits", output);
    }
}
