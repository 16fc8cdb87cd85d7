using System.Globalization;
using System.Text.RegularExpressions;
using Neuro.Core.Boards;

namespace Neuro.FirmwareGen.Tests.Support;

/// <summary>
/// A probe (Probes/*.c) built with a generated loader's own compiler command, HAL and board files but without the
/// runtime and app, run on the board's emulator; returns the hex fields of the one line it prints.
/// </summary>
internal static partial class ProbeFirmware
{
    public static async Task<Dictionary<string, uint>> RunAsync(string boardName, string probe, IReadOnlyList<string> defines, IReadOnlyList<string> halSources,
        bool instructionCounting = false)
    {
        using var firmware = new Firmware();
        var loader = await firmware.BuildAsync(boardName, FirmwareShape.Loader, program: null);
        string folder = loader.OutputDirectory;
        foreach (string file in new[] { probe, "probe_uart.h" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Probes", file), Path.Combine(folder, file));
        foreach (string source in halSources)
            foreach (string file in new[] { source, Path.ChangeExtension(source, ".h") })
                File.Copy(Path.Combine(FirmwareSources.Directory(), "hal", file), Path.Combine(folder, "hal", file), overwrite: true);
        var command = loader.BuildCommand
            .Where(argument => !(argument.EndsWith(".c", StringComparison.Ordinal) && (argument.StartsWith("runtime/", StringComparison.Ordinal) || argument.StartsWith("app/", StringComparison.Ordinal))))
            .Where(argument => !argument.StartsWith("-Wl,-Map", StringComparison.Ordinal))
            .TakeWhile(argument => argument != "-o")
            .Concat([.. defines, .. halSources.Select(source => $"hal/{source}"), probe, "-o", "probe.elf"])
            .ToList();
        var build = await ToolProcess.RunAsync(command[0], command.Skip(1).ToList(), folder, CancellationToken.None);
        Assert.True(build.ExitCode == 0, build.Error + build.Output);

        using var board = await EmulatedBoard.StartAsync(BoardCatalog.Load(boardName), Path.Combine(folder, "probe.elf"),
            Path.Combine(firmware.Root, "probe.pty"), CancellationToken.None, instructionCounting);
        using var port = new SerialPort(board.SerialPath);
        string line = port.ReadLine(TimeSpan.FromSeconds(20));
        Assert.StartsWith("probe", line);
        return FieldPattern().Matches(line).ToDictionary(match => match.Groups[1].Value,
            match => uint.Parse(match.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@" (\w+)=([0-9a-f]{8})")]
    private static partial Regex FieldPattern();
}
