using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.FirmwareGen.Tests;

public class BoardSlotsTests
{
    private static string Json(string board) => File.ReadAllText(Path.Combine(BoardCatalog.DirectoryOf(board), BoardCatalog.FileName));

    [Fact]
    public void Sram_slots_that_leave_no_arena_are_refused_naming_the_field()
    {
        string json = Json("netduinoplus2").Replace("\"bytes\": 32768, \"origin\": null", "\"bytes\": 65536, \"origin\": null");
        var error = Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json, "x.json"));
        Assert.Contains(error.Errors, e => e.Field == "slots.bytes");
    }

    [Fact]
    public void Flash_slots_outside_the_flash_are_refused()
    {
        string json = Json("stm32f746g-disco").Replace("\"origin\": \"0x08080000\"", "\"origin\": \"0x080C0000\"");
        var error = Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json, "x.json"));
        Assert.Contains(error.Errors, e => e.Field == "slots.origin");
    }

    [Fact]
    public void A_board_without_slots_has_no_loader_firmware()
    {
        var board = BoardCatalog.Load("netduinoplus2") with { Slots = null };
        var error = Assert.Throws<NeuroException>(() => ProgramCapacity.Of(board, FirmwareShape.Loader));
        Assert.Contains("--baked", error.Message);
    }
}
