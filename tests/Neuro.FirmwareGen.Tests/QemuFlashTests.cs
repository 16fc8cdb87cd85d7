using Neuro.FirmwareGen.Tests.Support;

namespace Neuro.FirmwareGen.Tests;

/// <summary>
/// What QEMU 7.2's boards do with writes to flash, measured by a probe firmware (Probes/flash_probe.c) built against a
/// generated loader's HAL: netduinoplus2 maps its flash as ROM (stores are dropped) and leaves the flash interface
/// unimplemented (registers read 0, so an erase "succeeds" without erasing and only the driver's read-back catches the
/// dropped program); mps2-an386's code memory is SSRAM, plainly writable, and reloaded from the ELF at every start.
/// Neither emulates flash that survives a reset, so the record logic is tested on the host board's file-backed flash.
/// </summary>
public class QemuFlashTests
{
    [Fact]
    public async Task Qemu_netduinoplus2_drops_flash_stores_and_has_no_flash_controller_so_the_driver_reports_the_program_failed()
    {
        // Sector 11 (128 KiB at 0x080E0000, RM0090 table 5): past any image, so QEMU's ROM reads 0 there, not erased 0xFF.
        var probe = await ProbeFirmware.RunAsync("netduinoplus2", "flash_probe.c", ["-DPROBE_ADDRESS=0x080E0000u", "-DPROBE_STM32", "-DPROBE_SECTOR=11"], ["nsp_flash_stm32.c"]);

        Assert.Equal(0u, probe["before"]);
        Assert.Equal(probe["before"], probe["stored"]);
        Assert.Equal(0u, probe["erase"]);       // FLASH_SR reads 0: no BSY, no error
        Assert.Equal(0u, probe["erased"]);      // ... yet nothing was erased
        Assert.Equal(0xFFFFFFFFu, probe["program"]);     // -1: the read-back sees the word was not programmed
        Assert.Equal(0u, probe["programmed"]);
    }

    [Fact]
    public async Task Qemu_mps2_an386_code_memory_is_plain_ram_that_takes_stores()
    {
        var probe = await ProbeFirmware.RunAsync("mps2-an386", "flash_probe.c", ["-DPROBE_ADDRESS=0x00300000u"], []);

        Assert.Equal(0u, probe["before"]);
        Assert.Equal(0x12345678u, probe["stored"]);
    }
}
