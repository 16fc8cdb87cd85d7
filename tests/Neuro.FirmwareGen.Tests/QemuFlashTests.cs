using System.Text.RegularExpressions;
using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;

namespace Neuro.FirmwareGen.Tests;

/// <summary>
/// What QEMU 7.2's boards do with writes to flash, measured by a probe firmware (Probes/flash_probe.c) built against a
/// generated loader's HAL: netduinoplus2 maps its flash as ROM (stores are dropped) and leaves the flash interface
/// unimplemented (registers read 0, so an erase "succeeds" without erasing and only the driver's read-back catches the
/// dropped program); mps2-an386's code memory is SSRAM, plainly writable, and reloaded from the ELF at every start.
/// Neither emulates flash that survives a reset, so the record logic is tested on the host board's file-backed flash.
/// </summary>
public partial class QemuFlashTests
{
    [Fact]
    public async Task Qemu_netduinoplus2_drops_flash_stores_and_has_no_flash_controller_so_the_driver_reports_the_program_failed()
    {
        // Sector 11 (128 KiB at 0x080E0000, RM0090 table 5): past any image, so QEMU's ROM reads 0 there, not erased 0xFF.
        var probe = await ProbeAsync("netduinoplus2", "0x080E0000u", ["-DPROBE_STM32", "-DPROBE_SECTOR=11", "hal/nsp_flash_stm32.c"]);

        Assert.Equal("00000000", probe["before"]);
        Assert.Equal(probe["before"], probe["stored"]);
        Assert.Equal("00000000", probe["erase"]);       // FLASH_SR reads 0: no BSY, no error
        Assert.Equal("00000000", probe["erased"]);      // ... yet nothing was erased
        Assert.Equal("ffffffff", probe["program"]);     // -1: the read-back sees the word was not programmed
        Assert.Equal("00000000", probe["programmed"]);
    }

    [Fact]
    public async Task Qemu_mps2_an386_code_memory_is_plain_ram_that_takes_stores()
    {
        var probe = await ProbeAsync("mps2-an386", "0x00300000u", []);

        Assert.Equal("00000000", probe["before"]);
        Assert.Equal("12345678", probe["stored"]);
    }

    private static async Task<Dictionary<string, string>> ProbeAsync(string boardName, string address, IReadOnlyList<string> extra)
    {
        using var firmware = new Firmware();
        var loader = await firmware.BuildAsync(boardName, FirmwareShape.Loader, program: null);
        string folder = loader.OutputDirectory;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Probes", "flash_probe.c"), Path.Combine(folder, "flash_probe.c"));
        foreach (string file in new[] { "nsp_flash_stm32.c", "nsp_flash_stm32.h" })
            File.Copy(Path.Combine(FirmwareSources.Directory(), "hal", file), Path.Combine(folder, "hal", file), overwrite: true);
        // The loader's own command with its HAL and board files, without the runtime and app, around the probe.
        var command = loader.BuildCommand
            .Where(argument => !(argument.EndsWith(".c", StringComparison.Ordinal) && (argument.StartsWith("runtime/", StringComparison.Ordinal) || argument.StartsWith("app/", StringComparison.Ordinal))))
            .Where(argument => !argument.StartsWith("-Wl,-Map", StringComparison.Ordinal))
            .TakeWhile(argument => argument != "-o")
            .Concat([$"-DPROBE_ADDRESS={address}", .. extra, "flash_probe.c", "-o", "probe.elf"])
            .ToList();
        var build = await ToolProcess.RunAsync(command[0], command.Skip(1).ToList(), folder, CancellationToken.None);
        Assert.True(build.ExitCode == 0, build.Error + build.Output);

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load(boardName), Path.Combine(folder, "probe.elf"),
            Path.Combine(firmware.Root, "probe.pty"), CancellationToken.None);
        using var port = new SerialPort(board.SerialPath);
        string line = port.ReadLine(TimeSpan.FromSeconds(20));
        Assert.StartsWith("probe", line);
        return FieldPattern().Matches(line).ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value);
    }

    [GeneratedRegex(@" (\w+)=([0-9a-f]{8})")]
    private static partial Regex FieldPattern();
}
