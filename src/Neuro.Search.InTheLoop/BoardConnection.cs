using System.Security.Cryptography;
using Neuro.Core.Boards;
using Neuro.FirmwareGen;
using Neuro.Link;
using Neuro.Link.Transport;

namespace Neuro.Search.InTheLoop;

/// <summary>A board the board evaluator talks to: a link session on demand, and a way to bring it back when it stops answering.</summary>
public interface IBoardConnection : IAsyncDisposable
{
    /// <summary>The board's descriptor (clock, energy per cycle, emulator).</summary>
    BoardDescriptor Board { get; }

    /// <summary>The key the board's loader checks deploys with.</summary>
    BoardKey Key { get; }

    /// <summary>Where the board is, for messages (a port, or the emulator's serial path).</summary>
    string Description { get; }

    /// <summary>True when the board counts instructions under QEMU <c>-icount</c> rather than core cycles.</summary>
    bool CountsInstructions { get; }

    /// <summary>The open session, opening one (HELLO) when there is none.</summary>
    Task<LinkSession> SessionAsync(CancellationToken cancellationToken);

    /// <summary>Closes the session and brings the board back: GPIO reset, reconnect, or restart of an emulator.</summary>
    Task ResetAsync(CancellationToken cancellationToken);
}

/// <summary>Link settings for a board: QEMU's UART moves ~25 KB/s, so a window of chunks outlasts the default 150 ms RTO.</summary>
internal static class BoardLinkSettings
{
    public static LinkSessionSettings For(BoardDescriptor board, int maxAttempts) =>
        board.Emulator?.Kind == "qemu"
            ? new LinkSessionSettings { RetransmitTimeout = TimeSpan.FromSeconds(1), MaxAttempts = maxAttempts }
            : new LinkSessionSettings { MaxAttempts = maxAttempts };
}

/// <summary>
/// A board on a port the user named (<c>--port</c>): a serial device or <c>tcp:HOST:PORT</c>. Reset pulses the reset
/// pin through <see cref="IBoardControl"/> when board.json configures GPIO, then reconnects; without GPIO it only
/// reconnects (a fresh HELLO).
/// </summary>
public sealed class PortBoardConnection : IBoardConnection
{
    /// <summary>How long a board takes to boot after a reset pulse before HELLO is tried.</summary>
    private static readonly TimeSpan BootDelay = TimeSpan.FromMilliseconds(500);

    private readonly string _port;
    private readonly int _baud;
    private readonly IBoardControl? _control;
    private readonly int _maxAttempts;
    private LinkSession? _session;

    /// <param name="board">The board's descriptor.</param>
    /// <param name="port">Serial device path or tcp:HOST:PORT.</param>
    /// <param name="key">The deploy key the board's loader was built with.</param>
    /// <param name="control">Reset line, or null to reset by reconnecting only.</param>
    /// <param name="baud">Baud rate of a serial port.</param>
    /// <param name="maxAttempts">Retransmissions before a request counts as unanswered.</param>
    public PortBoardConnection(BoardDescriptor board, string port, BoardKey key, IBoardControl? control, int baud = LinkPorts.DefaultBaudRate,
        int maxAttempts = 10)
    {
        Board = board;
        Key = key;
        _port = port;
        _baud = baud;
        _control = control;
        _maxAttempts = maxAttempts;
    }

    public BoardDescriptor Board { get; }

    public BoardKey Key { get; }

    public string Description => _port;

    /// <summary>A port may be a QEMU board the user started with <c>-icount</c>; a QEMU board descriptor says so.</summary>
    public bool CountsInstructions => Board.Emulator?.Kind == "qemu";

    public async Task<LinkSession> SessionAsync(CancellationToken cancellationToken)
    {
        if (_session is not null)
            return _session;
        var transport = await LinkPorts.OpenAsync(_port, _baud, cancellationToken).ConfigureAwait(false);
        return _session = await LinkSession.OpenAsync(transport, BoardLinkSettings.For(Board, _maxAttempts), cancellationToken).ConfigureAwait(false);
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await CloseAsync().ConfigureAwait(false);
        if (_control is not null)
        {
            await _control.ResetAsync(bootloader: false, cancellationToken).ConfigureAwait(false);
            await Task.Delay(BootDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CloseAsync()
    {
        if (_session is null)
            return;
        var session = _session;
        _session = null;
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or LinkException or ObjectDisposedException or OperationCanceledException)
        {
            // A dead board's port may fail to close cleanly (its reader ends in an error or a cancellation); the reset that follows is what matters.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _control?.Dispose();
    }
}

/// <summary>
/// An emulated board this process starts and owns: the loader firmware (built by <see cref="BuildAsync"/> with a fresh
/// random deploy key, or given) running under QEMU with <c>-icount shift=0</c> (instruction counting: SysTick
/// readings in instructions, reproducible to ~1e-4 since UART interrupts land where the host's bytes arrive) or as the host build. Reset restarts the emulator; dispose stops it (so do Ctrl+C and process exit,
/// through <see cref="EmulatedBoard"/>).
/// </summary>
public sealed class EmulatedBoardConnection : IBoardConnection
{
    private readonly string _firmware;
    private readonly string _serialPath;
    private readonly int _maxAttempts;
    private EmulatedBoard? _running;
    private LinkSession? _session;

    private EmulatedBoardConnection(BoardDescriptor board, string firmware, string serialPath, BoardKey key, int maxAttempts)
    {
        Board = board;
        Key = key;
        _firmware = firmware;
        _serialPath = serialPath;
        _maxAttempts = maxAttempts;
    }

    public BoardDescriptor Board { get; }

    public BoardKey Key { get; }

    public string Description => $"emulated {Board.Name} at {_serialPath}";

    public bool CountsInstructions => Board.Emulator?.Kind == "qemu";

    /// <summary>Times the emulator was started (1 + restarts).</summary>
    public int Starts { get; private set; }

    /// <summary>The running emulator (null before the first session and after a failed restart), for logs and tests.</summary>
    public EmulatedBoard? Running => _running;

    /// <summary>
    /// Builds the loader firmware for <paramref name="board"/> into <paramref name="directory"/> with a new random deploy
    /// key, ready to start. The key lives only in this process and the firmware it built.
    /// </summary>
    public static async Task<EmulatedBoardConnection> BuildAsync(BoardDescriptor board, string boardDirectory, string directory,
        CancellationToken cancellationToken, int maxAttempts = 10)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var report = await FirmwareGenerator.GenerateAsync(
            new FirmwareRequest(board, boardDirectory, FirmwareShape.Loader, null, "", Path.Combine(directory, "firmware"), key),
            null, cancellationToken).ConfigureAwait(false);
        return new EmulatedBoardConnection(board, report.Firmware, Path.Combine(directory, $"{board.Name}.pty"), new BoardKey(key), maxAttempts);
    }

    /// <summary>A loader firmware already built with <paramref name="key"/>.</summary>
    public static EmulatedBoardConnection ForFirmware(BoardDescriptor board, string firmware, string serialPath, BoardKey key, int maxAttempts = 10) =>
        new(board, firmware, serialPath, key, maxAttempts);

    public async Task<LinkSession> SessionAsync(CancellationToken cancellationToken)
    {
        if (_session is not null)
            return _session;
        if (_running is null)
        {
            _running = await EmulatedBoard.StartAsync(Board, _firmware, _serialPath, cancellationToken, instructionCounting: true).ConfigureAwait(false);
            Starts++;
        }
        var transport = LinkPorts.OpenSerial(_running.SerialPath);
        return _session = await LinkSession.OpenAsync(transport, BoardLinkSettings.For(Board, _maxAttempts), cancellationToken).ConfigureAwait(false);
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await StopAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task StopAsync()
    {
        var session = _session;
        _session = null;
        try
        {
            if (session is not null)
                await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or LinkException or ObjectDisposedException or OperationCanceledException)
        {
            // A dead link's reader ends in an error or a cancellation; the emulator is stopped below either way.
        }
        finally
        {
            _running?.Dispose();
            _running = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
