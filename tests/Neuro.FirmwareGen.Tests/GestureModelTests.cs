using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;
using Neuro.Program;
using Xunit.Abstractions;

namespace Neuro.FirmwareGen.Tests;

public class GestureModelTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_gesture_sized_model_at_16x16_bakes_into_the_netduino_with_its_serial_link_and_loads_under_qemu()
    {
        using var firmware = new Firmware();
        byte[] program = SpikeProgramFile.ToBytes(ProgramVerifier.Verify(GestureSizedProgram.Build(side: 16)).Program);
        var needs = ProgramNeeds.Of(program, "gesture-16");

        // The liveness-placed arena (64 KB) leaves the 128 KiB part room for the serial link's buffers too.
        var report = await firmware.BuildAsync("netduinoplus2", FirmwareShape.Baked, program);
        log.WriteLine($"gesture-16: file {needs.FileBytes} B, arena {needs.ArenaBytes} B; netduinoplus2 baked text {report.Footprint.Text} data {report.Footprint.Data} bss {report.Footprint.Bss}, flash left {report.FlashLeft}, SRAM left {report.SramLeft}");

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load("netduinoplus2"), report.Firmware, Path.Combine(firmware.Root, "nd2.pty"), CancellationToken.None);
        using var port = new SerialPort(board.SerialPath);
        string banner = port.ReadLine(TimeSpan.FromSeconds(15));
        Assert.Equal(WeightPlacement.Image, report.Kernels.Placement);
        Assert.Contains($"program={needs.Hash} name=gesture-16 arena={needs.ImageArenaBytes}/{needs.ImageArenaBytes} weights=image source=baked status=ok", banner);
    }

    public static TheoryData<string> Microcontrollers() => new(BoardCatalog.List().Where(board => board.Core != "host").Select(board => board.Name));

    [Theory]
    [MemberData(nameof(Microcontrollers))]
    public async Task The_gesture_sized_model_at_16x16_bakes_into_every_microcontroller_with_the_fast_kernels_and_its_rows_in_flash(string name)
    {
        using var firmware = new Firmware();
        byte[] program = SpikeProgramFile.ToBytes(ProgramVerifier.Verify(GestureSizedProgram.Build(side: 16)).Program);
        var needs = ProgramNeeds.Of(program, "gesture-16");

        var report = await firmware.BuildAsync(name, FirmwareShape.Baked, program);
        log.WriteLine($"gesture-16 on {name}: text {report.Footprint.Text} data {report.Footprint.Data} bss {report.Footprint.Bss}, arena {report.ArenaBytes} "
            + $"(plan: flash kernels {needs.ArenaBytes}, rows image {needs.ImageArenaBytes}), flash left {report.FlashLeft}, SRAM left {report.SramLeft}; {report.Kernels.Reason}");

        Assert.Equal(WeightPlacement.Image, report.Kernels.Placement);
        Assert.Equal(needs.ImageArenaBytes, report.ArenaBytes);
        Assert.True(report.Footprint.Text >= needs.FileBytes + needs.ImageBytes, $"{name}: text {report.Footprint.Text} B does not hold the program and its rows image");
        Assert.True(report.FlashLeft >= 0 && report.SramLeft >= 0);
    }

    [Fact]
    public async Task The_same_model_at_32x32_is_refused_by_the_netduino_naming_its_largest_buffers()
    {
        using var firmware = new Firmware();
        byte[] program = SpikeProgramFile.ToBytes(ProgramVerifier.Verify(GestureSizedProgram.Build(side: 32)).Program);
        var needs = ProgramNeeds.Of(program, "gesture-32");

        var error = await Assert.ThrowsAsync<ProgramDoesNotFitException>(() => firmware.BuildAsync("netduinoplus2", FirmwareShape.Baked, program));
        log.WriteLine(error.Message);

        var board = BoardCatalog.Load("netduinoplus2");
        long link = LinkRam.BakedBytes(new BakedInput(2 * 32 * 32, 1));
        Assert.Contains($"SRAM: arena {needs.ArenaBytes:N0} B > {board.ProgramSramBytes - link:N0} B available", error.Message);
        Assert.Contains("serial link", error.Message);
        Assert.Contains("sps.0.conv", error.Message);
    }
}
