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
        var request = new FirmwareRequest(tiny, BoardCatalog.DirectoryOf("netduinoplus2"), FirmwareShape.Baked, program, "seed 3", output);

        var error = await Assert.ThrowsAsync<ProgramDoesNotFitException>(() => FirmwareGenerator.GenerateAsync(request, null, CancellationToken.None));

        Assert.Contains($"program {needs.FileBytes:N0} B > 64 B available", error.Message);
        Assert.Contains($"arena {needs.ArenaBytes:N0} B > 64 B available", error.Message);
        Assert.Contains(needs.LargestBuffers[0].Name, error.Message);
        Assert.Contains(needs.LargestTensors[0].Name, error.Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(firmware.Root));
    }

    [Fact]
    public void A_loader_offers_one_slot_and_the_sram_its_ram_slots_leave()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        var capacity = ProgramCapacity.Of(board, FirmwareShape.Loader);
        Assert.Equal(board.Slots!.Bytes, capacity.ProgramBytes);
        Assert.Equal(board.ProgramSramBytes - board.Slots.Count * board.Slots.Bytes, capacity.ArenaBytes);
    }
}
