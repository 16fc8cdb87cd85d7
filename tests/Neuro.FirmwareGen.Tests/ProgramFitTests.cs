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
