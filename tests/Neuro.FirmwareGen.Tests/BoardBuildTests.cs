using Xunit.Abstractions;
using Neuro.Core.Boards;
using Neuro.FirmwareGen.Tests.Support;
using Neuro.Program;

namespace Neuro.FirmwareGen.Tests;

public class BoardBuildTests(ITestOutputHelper log)
{
    public static TheoryData<string> Microcontrollers() => new(BoardCatalog.List().Where(board => board.Core != "host").Select(board => board.Name));

    [Fact]
    public async Task The_host_board_builds_a_loader_that_fits_its_declared_memories()
    {
        using var firmware = new Firmware();
        var board = BoardCatalog.Load("host");

        var report = await firmware.BuildAsync("host", FirmwareShape.Loader, program: null);

        Assert.True(File.Exists(report.Firmware));
        Assert.True(report.FlashLeft >= 0 && report.SramLeft >= 0);
        Assert.True(report.Footprint.FlashBytes <= board.Reserve.FlashBytes, $"host loader code {report.Footprint.FlashBytes} B > reserve {board.Reserve.FlashBytes} B");
    }

    [Theory]
    [MemberData(nameof(Microcontrollers))]
    public async Task Every_microcontroller_links_a_loader_within_its_reserve_and_a_baked_program_with_its_exact_arena(string name)
    {
        using var firmware = new Firmware();
        var board = BoardCatalog.Load(name);
        byte[] program = Firmware.RandomProgram(11);
        var needs = ProgramNeeds.Of(program, "seed 11");

        var loader = await firmware.BuildAsync(name, FirmwareShape.Loader, program: null);
        var baked = await firmware.BuildAsync(name, FirmwareShape.Baked, program);
        var console = await firmware.BuildAsync(name, FirmwareShape.Baked, program, link: false);
        log.WriteLine($"{name}: loader text {loader.Footprint.Text} data {loader.Footprint.Data} bss {loader.Footprint.Bss} (arena {loader.ArenaBytes}); "
            + $"baked {program.Length}-byte program with the link: text {baked.Footprint.Text} data {baked.Footprint.Data} bss {baked.Footprint.Bss} (arena {baked.ArenaBytes}); "
            + $"console only: text {console.Footprint.Text} data {console.Footprint.Data} bss {console.Footprint.Bss}; "
            + $"the link costs {baked.Footprint.FlashBytes - console.Footprint.FlashBytes} B flash, {baked.Footprint.SramBytes - console.Footprint.SramBytes} B SRAM");

        // The linker already refused anything past the real memory sizes; the report must agree.
        Assert.True(loader.FlashLeft >= 0 && loader.SramLeft >= 0, $"{name}: loader does not fit");
        Assert.True(baked.FlashLeft >= 0 && baked.SramLeft >= 0, $"{name}: baked firmware does not fit");
        // Everything a loader holds in SRAM apart from the program's arena and RAM slots is the runtime's
        // own (tables, receive ring, vector table, stack) — the serial link's SRAM is counted against programs
        // (LinkRam), so it must cover what the link really takes and board.json's reserve the rest.
        long runtimeSram = loader.Footprint.SramBytes - loader.ArenaBytes - (board.Slots?.SramBytes ?? 0) - LinkRam.Bytes(board);
        Assert.True(loader.Footprint.FlashBytes <= board.Reserve.FlashBytes, $"{name}: code {loader.Footprint.FlashBytes} B > reserve {board.Reserve.FlashBytes} B");
        Assert.True(runtimeSram <= board.Reserve.SramBytes, $"{name}: runtime SRAM {runtimeSram} B > reserve {board.Reserve.SramBytes} B");
        Assert.True(runtimeSram >= 0, $"{name}: LinkRam.Bytes {LinkRam.Bytes(board)} B is more than the link and runtime take");
        // A baked firmware reserves exactly the program's arena in its weight placement (the rows image in flash, the conv
        // ring in SRAM) and carries the program and the image in flash instead of slots.
        // Its link is sized for the program (LinkRam.BakedBytes must cover it); console-only, its SRAM is the runtime's.
        Assert.Equal(WeightPlacement.Image, baked.Kernels.Placement);
        Assert.Equal(needs.ImageArenaBytes, baked.ArenaBytes);
        Assert.Contains("-DNSP_TRANSPOSED_WEIGHTS=1", loader.BuildCommand);
        long bakedLinkSram = baked.Footprint.SramBytes - console.Footprint.SramBytes;
        long bakedInput = SpikeProgramFile.Read(program).Input.FrameLength;
        Assert.InRange(bakedLinkSram, 1, LinkRam.BakedBytes(new BakedInput(bakedInput, 1)));
        long consoleRuntimeSram = console.Footprint.SramBytes - needs.ImageArenaBytes;
        Assert.InRange(consoleRuntimeSram - runtimeSram, -512, 1024 + 512);
        long programFlash = program.Length + needs.ImageBytes;
        Assert.True(baked.Footprint.FlashBytes - programFlash <= board.Reserve.FlashBytes,
            $"{name}: baked code with the link {baked.Footprint.FlashBytes - programFlash} B > flash reserve {board.Reserve.FlashBytes} B");
        Assert.True(baked.Footprint.Text >= programFlash, $"{name}: baked text {baked.Footprint.Text} does not hold the {program.Length}-byte program and its {needs.ImageBytes}-byte rows image");
    }

    [Fact]
    public async Task Rebuilding_into_the_same_folder_replaces_it_and_a_foreign_folder_is_refused()
    {
        using var firmware = new Firmware();
        string output = Path.Combine(firmware.Root, "out");
        await firmware.BuildAsync("host", FirmwareShape.Loader, null, output);
        await firmware.BuildAsync("host", FirmwareShape.Loader, null, output);
        Assert.True(File.Exists(Path.Combine(output, FirmwareGenerator.ManifestFile)));

        string foreign = Path.Combine(firmware.Root, "foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        var error = await Assert.ThrowsAsync<Neuro.Core.Errors.NeuroException>(() => firmware.BuildAsync("host", FirmwareShape.Loader, null, foreign));
        Assert.Contains("not a firmware folder", error.Message);
        Assert.True(File.Exists(Path.Combine(foreign, "notes.txt")));
    }
}
