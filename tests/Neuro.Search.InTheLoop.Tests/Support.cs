using System.Diagnostics;
using Neuro.Core.Boards;
using Neuro.Core.SearchSpaces;
using Neuro.FirmwareGen;
using Neuro.Link;
using Neuro.Models.Training;

namespace Neuro.Search.InTheLoop.Tests;

/// <summary>Eight candidates at 16×16, embed 16, depth 1, T 4: two generations of four exhaust it.</summary>
internal static class TinySpace
{
    public static SearchSpace Space { get; } = SearchSpaceFile.Parse("""
        name: tiny-hil
        template: dvsgesture-mcu-1-64
        choices:
          downsample: [8]
          embedDim: [16]
          depth: [1]
          mlpRatio: [1, 2]
          heads: [1]
          threshold: [0.6, 1.0]
          tau: [1.5, 2.0]
          timeSteps: [4]
        """, "tiny test space");
}

/// <summary>Seeded event counts 0–3 per cell (0/1 for binary framing) with labels 0–10: a stand-in for framed DVS samples, no files.</summary>
internal sealed class RandomFrames(ModelFraming framing, int count, int seed) : IFramedSamples
{
    public int Count => count;

    public FrameShape Shape => new(framing.TimeSteps, 2, framing.SensorHeight / framing.Downsample, framing.SensorWidth / framing.Downsample);

    public int Label(int index) => index % 11;

    public void CopyFrames(int index, Span<float> destination)
    {
        var random = new Random(seed * 7919 + index);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = random.Next(8) < 6 ? 0 : framing.Binary ? 1 : random.Next(1, 4);
    }

    public static Func<ModelFraming, IFramedSamples> Source(int count, int seed) => framing => new RandomFrames(framing, count, seed);
}

/// <summary>The host board's loader firmware, built once per test class with a fixed key, in a temporary folder removed afterwards.</summary>
public sealed class HostLoader : IAsyncLifetime
{
    public static readonly BoardKey Key = new(Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"neuro-hil-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public BoardDescriptor Board { get; } = BoardCatalog.Load("host");

    public string Firmware { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var report = await FirmwareGenerator.GenerateAsync(
            new FirmwareRequest(Board, BoardCatalog.DirectoryOf("host"), FirmwareShape.Loader, null, "", Path.Combine(Root, "firmware"),
                Convert.FromHexString(Key.ToHex())), null, CancellationToken.None);
        Firmware = report.Firmware;
    }

    /// <summary>A connection that starts its own host board (few retransmissions, so a dead board is noticed in seconds).</summary>
    public EmulatedBoardConnection Connect() =>
        EmulatedBoardConnection.ForFirmware(Board, Firmware, Path.Combine(Root, $"{Guid.NewGuid():N}.pty"), Key, maxAttempts: 3);

    public Task DisposeAsync()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Kills the board it wraps (by the PIDs of the emulator this test started) right after handing out the session of the
/// chosen session requests, as a board that dies mid-evaluation.
/// </summary>
internal sealed class KillingConnection(EmulatedBoardConnection inner, Func<int, bool> killOnSession) : IBoardConnection
{
    private int _sessions;

    public BoardDescriptor Board => inner.Board;

    public BoardKey Key => inner.Key;

    public string Description => inner.Description;

    public bool CountsInstructions => inner.CountsInstructions;

    public int Kills { get; private set; }

    public async Task<LinkSession> SessionAsync(CancellationToken cancellationToken)
    {
        var session = await inner.SessionAsync(cancellationToken);
        if (killOnSession(++_sessions) && inner.Running is { } running)
        {
            foreach (int pid in running.ProcessIds)
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(2000);
            }
            Kills++;
        }
        return session;
    }

    public Task ResetAsync(CancellationToken cancellationToken) => inner.ResetAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>
/// A reset line for a board on a port, as GPIO gives a real one: the pulse restarts the host board at the same serial
/// path. <see cref="KillBoard"/> kills the board this test started (by its PIDs), so only a pulse brings it back.
/// </summary>
internal sealed class RestartingResetLine(HostLoader loader, string serialPath) : IBoardControl, IAsyncDisposable
{
    private EmulatedBoard? _board;

    public int Pulses { get; private set; }

    public async Task StartAsync() =>
        _board = await EmulatedBoard.StartAsync(loader.Board, loader.Firmware, serialPath, CancellationToken.None);

    public void KillBoard()
    {
        foreach (int pid in _board!.ProcessIds)
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(2000);
        }
    }

    public async Task ResetAsync(bool bootloader, CancellationToken cancellationToken)
    {
        Pulses++;
        _board?.Dispose();
        await StartAsync();
    }

    public void Dispose() => _board?.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
