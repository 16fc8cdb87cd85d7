using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.Core.Tests.Boards;

public class BoardCatalogTests
{
    [Fact]
    public void Every_shipped_board_loads_and_validates()
    {
        var boards = BoardCatalog.List();
        Assert.Contains(boards, board => board.Name == "host");
        Assert.Contains(boards, board => board.Name == "mps2-an386");
        foreach (var board in boards)
            Assert.Equal(board.Name, Path.GetFileName(BoardCatalog.DirectoryOf(board.Name)));
    }

    [Fact]
    public void Netduino_leaves_its_real_sram_minus_the_reserve_to_programs()
    {
        var board = BoardCatalog.Load("netduinoplus2");
        Assert.Equal(0x08000000, board.Flash.Origin);
        Assert.Equal(128 * 1024, board.Sram.Bytes);
        Assert.Equal(board.Sram.Bytes - board.Reserve.SramBytes, board.ProgramSramBytes);
    }

    [Fact]
    public void Unknown_board_lists_the_known_ones()
    {
        var error = Assert.Throws<NeuroException>(() => BoardCatalog.Load("no-such-board"));
        Assert.Contains("no-such-board", error.Message);
        Assert.Contains("mps2-an386", error.Message);
    }

    [Fact]
    public void Reserve_larger_than_the_memory_is_refused_naming_the_field()
    {
        string json = File.ReadAllText(Path.Combine(BoardCatalog.DirectoryOf("netduinoplus2"), BoardCatalog.FileName))
            .Replace("\"sramBytes\": 24576", "\"sramBytes\": 200000");
        var error = Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json, "test.json"));
        Assert.Contains(error.Errors, e => e.Field == "reserve.sramBytes");
    }

    [Fact]
    public void Unknown_field_and_bad_address_are_refused()
    {
        string json = File.ReadAllText(Path.Combine(BoardCatalog.DirectoryOf("host"), BoardCatalog.FileName));
        Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json.Replace("\"clockHz\"", "\"clockHz2\""), "x"));
        Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json.Replace("\"origin\": \"0x00000000\"", "\"origin\": \"0xZZ\""), "x"));
    }

    [Fact]
    public void Netduino_energy_per_cycle_is_its_datasheet_run_current_at_its_clock_with_the_source_named()
    {
        var energy = BoardCatalog.Load("netduinoplus2").Energy!;
        Assert.Equal(1.03125, energy.JoulesPerCycle * 1e9, 12);
        Assert.Contains("DS8626", energy.Source);
        Assert.Contains("Table 20", energy.Source);
    }

    [Fact]
    public void Fractional_instructions_per_tick_load_and_a_non_positive_one_is_refused_naming_the_field()
    {
        Assert.Equal(1000.0 / 168, BoardCatalog.Load("netduinoplus2").Emulator!.InstructionsPerTick!.Value, 9);
        string json = File.ReadAllText(Path.Combine(BoardCatalog.DirectoryOf("mps2-an386"), BoardCatalog.FileName))
            .Replace("\"instructionsPerTick\": 40", "\"instructionsPerTick\": 0");
        var error = Assert.Throws<ConfigValidationException>(() => BoardCatalog.Parse(json, "test.json"));
        Assert.Contains(error.Errors, e => e.Field == "emulator.instructionsPerTick");
    }

    [Fact]
    public void Energy_per_cycle_is_current_times_voltage_over_clock()
    {
        var energy = new EnergyPerCycle(40, 3.3, 168_000_000, "test");
        Assert.Equal(40e-3 * 3.3 / 168e6, energy.JoulesPerCycle, 15);
    }
}
