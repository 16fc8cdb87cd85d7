using System.Text.Json;
using Neuro.Core.Boards;
using Neuro.FirmwareGen;
using Neuro.Program;

namespace Neuro.Cli.Tests;

/// <summary>
/// <c>neuro firmware --key</c>, <c>neuro deploy</c> and <c>neuro stream</c> end to end against the host board: the
/// loader firmware built by the CLI runs as a Linux process on a pseudo-terminal (killed by PID when the test ends).
/// </summary>
public sealed class LinkCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("neuro-linkcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Deploy_and_stream_run_a_program_on_the_host_board_built_with_its_key()
    {
        string key = Path.Combine(_dir, "board.key");
        File.WriteAllText(key, "# test deploy key\n" + new string('a', 32) + "0123456789abcdef0123456789abcdef\n");
        string firmware = Path.Combine(_dir, "fw");
        var (exit, _, error) = CompileCommandTests.Run("firmware", "--board", "host", "--key", key, "--out", firmware, "--json");
        Assert.True(exit == 0, error);

        string data = Path.Combine(_dir, "data");
        (exit, _, error) = CompileCommandTests.Run("data", "synth", "--out", data, "--users", "2", "--test-users", "1", "--seed", "3", "--duration", "0.3");
        Assert.True(exit == 0, error);
        string program = Path.Combine(_dir, "prog.nsp");
        File.WriteAllBytes(program, SpikeProgramFile.ToBytes(DvsProgram()));

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load("host"), Path.Combine(firmware, FirmwareGenerator.FirmwareFile),
            Path.Combine(_dir, "host.pty"), CancellationToken.None);
        string port = board.SerialPath;

        (exit, _, error) = CompileCommandTests.Run("deploy", program, "--port", port);
        Assert.NotEqual(0, exit);
        Assert.Contains("only accepts signed programs", error);

        (exit, string output, error) = CompileCommandTests.Run("deploy", program, "--port", port, "--key", key, "--json");
        Assert.True(exit == 0, error);
        using (var deployed = JsonDocument.Parse(output))
        {
            Assert.False(deployed.RootElement.GetProperty("alreadyActive").GetBoolean());
            Assert.Equal(new FileInfo(program).Length, deployed.RootElement.GetProperty("programBytes").GetInt64());
        }

        (exit, output, error) = CompileCommandTests.Run("stream", "--port", port, "--program", program, "--data", data, "--samples", "3", "--rto", "1000", "--json");
        Assert.True(exit == 0, error);
        using var streamed = JsonDocument.Parse(output);
        var root = streamed.RootElement;
        Assert.Equal(3, root.GetProperty("samples").GetInt32());
        Assert.True(root.GetProperty("events").GetInt64() > 0);
        Assert.Equal(3u, root.GetProperty("board").GetProperty("samples").GetUInt32());
        Assert.Equal(root.GetProperty("events").GetInt64(), root.GetProperty("board").GetProperty("events").GetInt64());
    }

    [Fact]
    public void A_baked_firmware_without_the_link_leaves_the_program_the_links_sram_and_a_loader_refuses_no_link()
    {
        string program = Path.Combine(_dir, "prog.nsp");
        File.WriteAllBytes(program, SpikeProgramFile.ToBytes(DvsProgram()));

        var (exit, output, error) = CompileCommandTests.Run("firmware", program, "--board", "host", "--baked", "--out", Path.Combine(_dir, "linked"), "--json");
        Assert.True(exit == 0, error);
        long linkedArena = ArenaCapacity(output);
        (exit, output, error) = CompileCommandTests.Run("firmware", program, "--board", "host", "--baked", "--no-link", "--out", Path.Combine(_dir, "console"), "--json");
        Assert.True(exit == 0, error);
        Assert.True(ArenaCapacity(output) > linkedArena, $"console-only capacity {ArenaCapacity(output)} B is not above the linked {linkedArena} B");

        (exit, _, error) = CompileCommandTests.Run("firmware", "--board", "host", "--no-link", "--out", Path.Combine(_dir, "loader"));
        Assert.NotEqual(0, exit);
        Assert.Contains("--no-link is for --baked", error);
    }

    private static long ArenaCapacity(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("capacity").GetProperty("arenaBytes").GetInt64();
    }

    /// <summary>A DVS128 program at downsample 32 (2×4×4 frames): conv, LIF, tokens, readout over the 11 gestures.</summary>
    private static SpikeProgram DvsProgram()
    {
        var random = new Random(5);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-3, 4))];
        var input = new InputSpec(2, 4, 4, 4, FrameEncoding.Counts, SplitMode.Time, 32, 128, 128);
        var b = new ProgramBuilder("dvs-4x4", input);
        int x = b.Lif("sps.lif", b.Conv2d("sps.conv", b.Input, 8, Weights(8 * 2 * 9), dense: true), [6], IntegerMath.MaxLeak);
        b.Readout("head", b.ToTokens("sps.tokens", x), 11, Weights(11 * 8));
        return b.Build();
    }
}
