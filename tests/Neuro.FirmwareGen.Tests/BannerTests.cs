using System.Text.RegularExpressions;
using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;
using Neuro.Program;

namespace Neuro.FirmwareGen.Tests;

public partial class BannerTests
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("host", 21UL)]
    [InlineData("mps2-an386", 22UL)]
    [InlineData("mps2-an500", 23UL)]
    [InlineData("netduinoplus2", 24UL)]
    public async Task A_baked_firmware_boots_reports_its_program_and_answers_on_the_serial_port(string name, ulong seed)
    {
        using var firmware = new Firmware();
        byte[] program = Firmware.RandomProgram(seed);
        var needs = ProgramNeeds.Of(program, $"seed {seed}");
        var report = await firmware.BuildAsync(name, FirmwareShape.Baked, program);
        string serial = Path.Combine(firmware.Root, $"{name}.pty");

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load(name), report.Firmware, serial, CancellationToken.None);
        using var port = new SerialPort(board.SerialPath);

        string banner = port.ReadLine(LineTimeout);
        var match = Banner().Match(banner);
        Assert.True(match.Success, banner);
        Assert.Equal(FirmwareGenerator.FirmwareVersion, match.Groups["version"].Value);
        Assert.Equal(name, match.Groups["board"].Value);
        Assert.Equal(needs.Hash, match.Groups["hash"].Value);
        // The shipped configuration: transposed kernels reading the generator's rows image from flash, which the runtime
        // accepted only because every byte matched the program; the arena is the flash-layout one plus the conv ring.
        Assert.Equal(WeightPlacement.Image, report.Kernels.Placement);
        Assert.Equal("image", match.Groups["weights"].Value);
        Assert.Equal(needs.ImageArenaBytes.ToString(), match.Groups["needed"].Value);
        Assert.Equal(needs.ImageArenaBytes.ToString(), match.Groups["reserved"].Value);

        // The banner is followed by the 0x00 that lets a link host's frame parser start clean (the baked link).
        port.Write("info\n");
        Assert.Equal(banner, port.ReadLine(LineTimeout).TrimStart('\0'));
        port.Write("reboot\n");
        Assert.StartsWith("error unknown command", port.ReadLine(LineTimeout));
    }

    [Fact]
    public async Task A_loader_with_empty_slots_reports_no_program()
    {
        using var firmware = new Firmware();
        var report = await firmware.BuildAsync("host", FirmwareShape.Loader, program: null);

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load("host"), report.Firmware, Path.Combine(firmware.Root, "host.pty"), CancellationToken.None);
        using var port = new SerialPort(board.SerialPath);

        Assert.Contains("board=host program=none status=empty", port.ReadLine(LineTimeout));
    }

    [Fact]
    public async Task Disposing_a_board_kills_its_processes_and_removes_its_serial_link()
    {
        using var firmware = new Firmware();
        var report = await firmware.BuildAsync("mps2-an500", FirmwareShape.Loader, program: null);
        string serial = Path.Combine(firmware.Root, "an500.pty");

        var board = await EmulatedBoard.StartAsync(BoardCatalog.Load("mps2-an500"), report.Firmware, serial, CancellationToken.None);
        var pids = board.ProcessIds;
        Assert.Equal(2, pids.Count);
        board.Dispose();

        foreach (int pid in pids)
            Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), $"process {pid} still runs");
        Assert.False(File.Exists(serial));
    }

    [Fact]
    public async Task A_serial_path_that_is_a_real_file_is_refused_and_left_alone()
    {
        using var firmware = new Firmware();
        string notes = Path.Combine(firmware.Root, "notes.txt");
        File.WriteAllText(notes, "mine");
        string elf = Path.Combine(firmware.Root, "firmware.elf");
        File.WriteAllText(elf, "");

        var error = await Assert.ThrowsAsync<Neuro.Core.Errors.NeuroException>(
            () => EmulatedBoard.StartAsync(BoardCatalog.Load("mps2-an500"), elf, notes, CancellationToken.None));

        Assert.Contains("not a symlink", error.Message);
        Assert.Equal("mine", File.ReadAllText(notes));
    }

    [GeneratedRegex(@"^neuro-firmware (?<version>\S+) board=(?<board>\S+) program=(?<hash>[0-9a-f]{64}) name=\S* arena=(?<needed>\d+)/(?<reserved>\d+) weights=(?<weights>\S+) source=baked status=ok cycles=\S+$")]
    private static partial Regex Banner();
}
