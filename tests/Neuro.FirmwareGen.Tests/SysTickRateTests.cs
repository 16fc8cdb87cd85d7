using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;

namespace Neuro.FirmwareGen.Tests;

/// <summary>
/// board.json's <c>instructionsPerTick</c> is what turns a QEMU board's SysTick ticks into instructions (the demo's and
/// the board evaluator's figures). QEMU clocks SysTick at the machine's fixed system clock whatever the firmware sets,
/// and runs one instruction per virtual ns at <c>-icount shift=0</c>: measured here with a loop of known length.
/// </summary>
public class SysTickRateTests
{
    private const int LoopInstructions = 2_000_000;

    [Theory]
    [InlineData("mps2-an386")]
    [InlineData("netduinoplus2")]
    public async Task A_qemu_boards_instructions_per_tick_turn_the_ticks_of_a_known_loop_back_into_its_instructions(string boardName)
    {
        var board = BoardCatalog.Load(boardName);
        var probe = await ProbeFirmware.RunAsync(boardName, "systick_probe.c", [$"-DPROBE_LOOP_INSTRUCTIONS={LoopInstructions}u"], [], instructionCounting: true);

        double instructions = probe["ticks"] * board.Emulator!.InstructionsPerTick!.Value;
        // The two counter reads around the loop add a few dozen instructions; a wrong rate (25 vs 168 MHz) is off 6.7×.
        Assert.InRange(instructions, LoopInstructions, LoopInstructions * 1.001);
    }
}
