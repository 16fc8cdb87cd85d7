using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;
using Neuro.Program;

namespace Neuro.FirmwareGen.Tests;

public class ProgramFitTests
{
    [Fact]
    public async Task A_program_larger_than_the_board_is_refused_with_the_numbers_before_anything_is_built()
    {
        using var firmware = new Firmware();
        byte[] program = Firmware.RandomProgram(3);
        var needs = ProgramNeeds.Of(program, "seed 3");
        var real = BoardCatalog.Load("netduinoplus2");
        // The same chip with only 64 bytes of SRAM and flash left for programs.
        var tiny = real with
        {
            Flash = real.Flash with { Bytes = real.Reserve.FlashBytes + 64 },
            Sram = real.Sram with { Bytes = real.Reserve.SramBytes + 64 },
        };
        string output = Path.Combine(firmware.Root, "refused");
        var request = new FirmwareRequest(tiny, BoardCatalog.DirectoryOf("netduinoplus2"), FirmwareShape.Baked, program, "seed 3", output, Link: false);

        var error = await Assert.ThrowsAsync<ProgramDoesNotFitException>(() => FirmwareGenerator.GenerateAsync(request, null, CancellationToken.None));

        Assert.Contains($"program {needs.FileBytes:N0} B > 64 B available", error.Message);
        Assert.Contains($"arena {needs.ArenaBytes:N0} B > 64 B available", error.Message);
        Assert.Contains(needs.LargestBuffers[0].Name, error.Message);
        Assert.Contains(needs.LargestTensors[0].Name, error.Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(firmware.Root));
    }

    [Fact]
    public async Task A_baked_program_whose_conv_ring_does_not_fit_falls_back_to_the_flash_kernels_and_says_why()
    {
        using var firmware = new Firmware();
        byte[] program = Firmware.RandomProgram(11);
        var needs = ProgramNeeds.Of(program, "seed 11");
        Assert.True(needs.ImageArenaBytes > needs.ArenaBytes, "seed 11 should have a conv ring");
        var real = BoardCatalog.Load("host");
        // Exactly the flash-layout arena left to programs: the transposed kernels' ring does not fit.
        var tight = real with { Sram = real.Sram with { Bytes = real.Reserve.SramBytes + needs.ArenaBytes } };
        var request = new FirmwareRequest(tight, BoardCatalog.DirectoryOf("host"), FirmwareShape.Baked, program, "seed 11", Path.Combine(firmware.Root, "tight"), Link: false);

        var report = await FirmwareGenerator.GenerateAsync(request, null, CancellationToken.None);

        Assert.False(report.Kernels.TransposedKernels);
        Assert.Equal(WeightPlacement.Flash, report.Kernels.Placement);
        Assert.Contains($"arena + conv ring {needs.ImageArenaBytes:N0} B > {needs.ArenaBytes:N0} B of SRAM", report.Kernels.Reason);
        Assert.Contains("-DNSP_TRANSPOSED_WEIGHTS=0", report.BuildCommand);
        Assert.Equal(needs.ArenaBytes, report.ArenaBytes);
        using var board = await EmulatedBoard.StartAsync(real, report.Firmware, Path.Combine(firmware.Root, "tight.pty"), CancellationToken.None);
        using var port = new SerialPort(board.SerialPath);
        Assert.Contains($"arena={needs.ArenaBytes}/{needs.ArenaBytes} weights=flash source=baked status=ok", port.ReadLine(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public void A_baked_program_gets_the_transposed_kernels_only_when_its_rows_image_fits_the_flash_left()
    {
        var needs = ProgramNeeds.Of(Firmware.RandomProgram(11), "seed 11");
        var roomy = new ProgramCapacity(FirmwareShape.Baked, needs.FileBytes + needs.ImageBytes, "flash", needs.ImageArenaBytes, "sram");

        var fast = KernelChoice.ForBaked(needs, roomy);
        var slow = KernelChoice.ForBaked(needs, roomy with { ProgramBytes = needs.FileBytes + needs.ImageBytes - 1 });

        Assert.Equal((true, WeightPlacement.Image, needs.ImageArenaBytes), (fast.TransposedKernels, fast.Placement, fast.ArenaBytes));
        Assert.Equal((false, WeightPlacement.Flash, needs.ArenaBytes), (slow.TransposedKernels, slow.Placement, slow.ArenaBytes));
        Assert.Contains($"program + rows image {needs.FileBytes + needs.ImageBytes:N0} B > {needs.FileBytes + needs.ImageBytes - 1:N0} B of flash", slow.Reason);
    }

    [Fact]
    public void A_loader_offers_one_slot_and_the_sram_its_ram_slots_and_serial_link_leave()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        var capacity = ProgramCapacity.Of(board, FirmwareShape.Loader);
        Assert.Equal(board.Slots!.Bytes, capacity.ProgramBytes);
        Assert.Equal(board.ProgramSramBytes - board.Slots.Count * board.Slots.Bytes - LinkRam.Bytes(board), capacity.ArenaBytes);
        // 40 KiB of program SRAM: the link's input frame shrinks to 2x64x64 so programs keep most of it.
        Assert.Equal(2 * 64 * 64, LinkRam.FrameBytes(board));
        Assert.Contains("serial link", capacity.ArenaBasis);
    }

    [Fact]
    public async Task A_loader_without_a_deploy_key_is_refused_naming_the_option()
    {
        using var firmware = new Firmware();
        var request = new FirmwareRequest(BoardCatalog.Load("host"), BoardCatalog.DirectoryOf("host"), FirmwareShape.Loader, null, "", Path.Combine(firmware.Root, "out"));

        var error = await Assert.ThrowsAsync<Neuro.Core.Errors.NeuroException>(() => FirmwareGenerator.GenerateAsync(request, null, CancellationToken.None));

        Assert.Contains("--key FILE", error.Message);
        Assert.False(Directory.Exists(Path.Combine(firmware.Root, "out")));
    }

    [Fact]
    public async Task A_loader_provisions_the_key_file_bytes_and_selects_the_link_protocol()
    {
        using var firmware = new Firmware();
        string keyFile = Path.Combine(firmware.Root, "board.key");
        File.WriteAllText(keyFile, "# test key\n" + Convert.ToHexString(Firmware.TestKey) + "\n");
        var request = new FirmwareRequest(BoardCatalog.Load("host"), BoardCatalog.DirectoryOf("host"), FirmwareShape.Loader, null, "",
            Path.Combine(firmware.Root, "out"), LinkKey.Load(keyFile));

        var report = await FirmwareGenerator.GenerateAsync(request, null, CancellationToken.None);

        string header = File.ReadAllText(Path.Combine(report.OutputDirectory, "generated", "nsp_build.h"));
        Assert.Contains("#define NSP_APP_PROTOCOL nsp_link_protocol", header);
        Assert.Contains("#define NSP_LINK_APP_KEY 0x07, 0x0e, 0x15,", header);
        Assert.True(File.Exists(Path.Combine(report.OutputDirectory, "runtime", "link", "src", "nsp_link_app.c")));
    }
}
