using System.Globalization;
using Neuro.Core.Boards;
using Neuro.FirmwareGen;
using Neuro.Link;
using Neuro.Link.Transport;
using Neuro.Program;

namespace Neuro.Pipeline;

/// <summary>What the board stages produced: where the firmware ran, its build report, the board's figures and its RESULTs.</summary>
internal sealed record DemoBoardResult(BoardDescriptor RanOn, string? RanOnReason, string Emulator, FirmwareReport Firmware,
    DemoBoardFigures Figures, IReadOnlyList<SampleResult> Results);

/// <summary>
/// The demo's board half: builds the loader firmware (provisioned with a fresh deploy key), starts the board — QEMU
/// with <c>-icount shift=0</c> when the board has a QEMU machine and the tools are installed, else the host build,
/// saying why — deploys the program over the serial link and streams the samples. The board is stopped when the run
/// ends, fails or is cancelled (<see cref="EmulatedBoard"/> also stops it on Ctrl+C and process exit).
/// </summary>
internal sealed class DemoBoardRun(BoardDescriptor board, string boardDirectory, bool forceHost, string staging, StageRunner stages,
    Action<IReadOnlyList<int>> boardProcesses)
{
    /// <summary>QEMU moves ~30 KB/s through its UART: a window of frames takes longer than the link's default first timeout.</summary>
    private static readonly TimeSpan EmulatedRetransmitTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a link failure after Ctrl+C waits for the caller's cancellation before it reports itself as one.</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);

    public async Task<DemoBoardResult> RunAsync(byte[] program, string programPath, IReadOnlyList<byte[]> samples, InputSpec input,
        CancellationToken cancellationToken)
    {
        var (runBoard, runDirectory, reason) = ChooseRunBoard();
        if (reason is not null)
            stages.Note(DemoStage.Board, reason);
        bool qemu = runBoard.Emulator?.Kind == "qemu";

        string keyPath = Path.Combine(staging, "board.key");
        var key = BoardKey.Generate(keyPath);
        byte[] keyBytes = LinkKey.Load(keyPath);

        var (firmware, runFirmware) = await stages.RunAsync(DemoStage.Firmware, async () =>
        {
            FirmwareReport? target = null;
            if (Tools.OnPath(board.Toolchain.Compiler))
                target = await Build(board, boardDirectory, "firmware", program, programPath, keyBytes, cancellationToken).ConfigureAwait(false);
            else
                stages.Note(DemoStage.Firmware, $"{board.Toolchain.Compiler} is not installed: the {board.Name} firmware was not built, so its footprint is the {runBoard.Name} build's");
            var run = runBoard.Name == board.Name && target is not null
                ? target
                : await Build(runBoard, runDirectory, $"firmware-{runBoard.Name}", program, programPath, keyBytes, cancellationToken).ConfigureAwait(false);
            return (target ?? run, run);
        }).ConfigureAwait(false);

        string serial = Path.Combine(Path.GetTempPath(), $"neuro-demo-{Environment.ProcessId}-{runBoard.Name}.pty");
        stages.Report(DemoStage.Board, 0, 1, qemu ? $"starting qemu-system-arm -M {runBoard.Emulator!.Machine} -icount shift=0" : "starting the host board");
        using var running = await stages.RunAsync(DemoStage.Board, () =>
            EmulatedBoard.StartAsync(runBoard, runFirmware.Firmware, serial, cancellationToken, instructionCounting: true)).ConfigureAwait(false);
        boardProcesses(running.ProcessIds);
        try
        {
            var defaults = new LinkSessionSettings();
            var settings = qemu ? defaults with { RetransmitTimeout = EmulatedRetransmitTimeout } : defaults;
            var transport = await LinkPorts.OpenAsync(running.SerialPath, LinkPorts.DefaultBaudRate, cancellationToken).ConfigureAwait(false);
            await using var session = await LinkSession.OpenAsync(transport, settings, cancellationToken).ConfigureAwait(false);

            var deployed = await stages.RunAsync(DemoStage.Deploy, () => DeployClient.DeployAsync(session, program, key,
                new Relay<long>(sent => stages.Report(DemoStage.Deploy, sent, program.Length,
                    string.Create(CultureInfo.InvariantCulture, $"{sent:N0} of {program.Length:N0} B to {session.Info.Name}"))),
                cancellationToken)).ConfigureAwait(false);

            var (results, latencyMs) = await stages.RunAsync(DemoStage.Stream, async () =>
            {
                var client = new StreamClient(session, input);
                var list = new List<SampleResult>();
                double latency = 0;
                for (int i = 0; i < samples.Count; i++)
                {
                    var streamed = await client.RunSampleAsync((uint)i, samples[i], null, cancellationToken).ConfigureAwait(false);
                    list.Add(streamed.Result);
                    latency += streamed.Latency.TotalMilliseconds;
                    stages.Report(DemoStage.Stream, i + 1, samples.Count, $"sample {i + 1}/{samples.Count}: class {streamed.Result.Predicted}");
                }
                return (list, samples.Count == 0 ? 0 : latency / samples.Count);
            }).ConfigureAwait(false);

            double counter = results.Count == 0 ? 0 : results.Average(r => (double)r.Cycles);
            double? perTick = runBoard.Emulator?.InstructionsPerTick;
            var figures = qemu && perTick is double ticks
                ? new DemoBoardFigures(counter, "SysTick ticks (QEMU -icount shift=0)", counter * ticks, null, latencyMs,
                    deployed.Elapsed.TotalSeconds, deployed.ProgramBytes, deployed.WireBytes)
                : new DemoBoardFigures(counter, qemu ? "SysTick ticks" : "ns (host clock_gettime)", null,
                    qemu ? $"board {runBoard.Name} states no instructions per tick" : "the host board counts nanoseconds of a Linux process, not instructions",
                    latencyMs, deployed.Elapsed.TotalSeconds, deployed.ProgramBytes, deployed.WireBytes);
            string emulator = qemu ? $"qemu-system-arm -M {runBoard.Emulator!.Machine} -icount shift=0" : "host process (Linux build on a pty)";
            return new DemoBoardResult(runBoard, reason, emulator, firmware, figures, results);
        }
        catch (Exception error) when (running.Interrupted && error is not OperationCanceledException)
        {
            // Ctrl+C stops the board at once (EmulatedBoard), so the link fails just before the cancellation the caller
            // raises for the same Ctrl+C arrives: wait for it briefly, so the run ends as cancelled rather than as a link error.
            await Task.Delay(InterruptGrace, cancellationToken).ConfigureAwait(false);
            throw new OperationCanceledException($"board {runBoard.Name} was stopped by Ctrl+C", error);
        }
        finally
        {
            boardProcesses([]);
        }
    }

    private (BoardDescriptor Board, string Directory, string? Reason) ChooseRunBoard()
    {
        const string host = "host";
        if (forceHost)
            return (BoardCatalog.Load(host), BoardCatalog.DirectoryOf(host), $"running on the host board as asked, not on {board.Name}");
        if (board.Emulator is null)
            return (BoardCatalog.Load(host), BoardCatalog.DirectoryOf(host), $"board {board.Name} has no emulator: the firmware runs on the host board");
        if (board.Emulator.Kind == "qemu")
        {
            var missing = new[] { "qemu-system-arm", "socat", board.Toolchain.Compiler }.Where(tool => !Tools.OnPath(tool)).ToList();
            if (missing.Count > 0)
                return (BoardCatalog.Load(host), BoardCatalog.DirectoryOf(host),
                    $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed: the firmware runs on the host board instead of QEMU's {board.Emulator.Machine}");
        }
        return (board, boardDirectory, null);
    }

    private Task<FirmwareReport> Build(BoardDescriptor target, string directory, string folder, byte[] program, string programPath, byte[] key,
        CancellationToken cancellationToken)
    {
        stages.Report(DemoStage.Firmware, 0, 1, $"building the {target.Name} loader with {target.Toolchain.Compiler}");
        return FirmwareGenerator.GenerateAsync(
            new FirmwareRequest(target, directory, FirmwareShape.Loader, program, programPath, Path.Combine(staging, folder), key),
            new Relay<string>(step => stages.Report(DemoStage.Firmware, 0, 1, $"{target.Name}: {step}")), cancellationToken);
    }
}

/// <summary>Whether a tool can be started by name.</summary>
internal static class Tools
{
    public static bool OnPath(string tool) =>
        Path.IsPathRooted(tool)
            ? File.Exists(tool)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(directory => File.Exists(Path.Combine(directory, tool)));
}
