using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Neuro.Core.Boards;
using Neuro.Core.Errors;

namespace Neuro.FirmwareGen;

/// <summary>
/// A board running its firmware on this machine, reachable through a serial-port path. QEMU boards run
/// <c>qemu-system-arm -serial tcp:…,server=on,wait=on</c> bridged to a pseudo-terminal by socat (QEMU 7.2
/// ignores <c>-chardev pty,path=</c> and drops output on its own pty until a reader opens it); the host
/// board runs the Linux build, which opens its own pseudo-terminal. Either way <see cref="SerialPath"/> is
/// a symlink at the path the caller chose. Dispose kills every process by its PID; so does Ctrl+C and
/// process exit, so no emulator outlives its owner.
/// </summary>
public sealed class EmulatedBoard : IDisposable
{
    // Generous: QEMU takes seconds to listen on a loaded machine, and socat must keep retrying as long as we wait.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectInterval = TimeSpan.FromMilliseconds(50);

    private readonly List<Process> _processes = [];
    private readonly Dictionary<int, System.Text.StringBuilder> _errors = [];
    private readonly string _serialPath;
    private bool _disposed;

    private EmulatedBoard(BoardDescriptor board, string serialPath)
    {
        Board = board;
        _serialPath = serialPath;
        Console.CancelKeyPress += OnCancelKeyPress;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public BoardDescriptor Board { get; }

    /// <summary>The serial port to open: a symlink to the board's pseudo-terminal.</summary>
    public string SerialPath => _serialPath;

    /// <summary>PIDs of the processes this board runs (emulator, bridge), for logs and tests.</summary>
    public IReadOnlyList<int> ProcessIds => _processes.Select(process => process.Id).ToList();

    /// <summary>The default serial path for a board: stable across runs, so scripts and the link can name it.</summary>
    public static string DefaultSerialPath(string boardName) =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? runtime : Path.GetTempPath(), $"neuro-{boardName}.pty");

    /// <summary>Starts <paramref name="firmware"/> on <paramref name="board"/> and waits until its serial path exists.</summary>
    /// <param name="instructionCounting">QEMU boards run with <c>-icount shift=0</c>: one instruction per virtual ns, so
    /// SysTick readings are deterministic instruction counts (never real cycles). Ignored by the host board.</param>
    /// <param name="environment">Variables for the host board's process (e.g. <c>NSP_HOST_FLASH</c>, boards/host/hal.c); ignored by QEMU boards.</param>
    /// <exception cref="NeuroException">The board has no emulator, a tool is missing, or the port never appears.</exception>
    public static async Task<EmulatedBoard> StartAsync(BoardDescriptor board, string firmware, string serialPath, CancellationToken cancellationToken,
        bool instructionCounting = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (board.Emulator is not { } emulator)
            throw new NeuroException($"board {board.Name} has no emulator: it only builds here");
        if (!File.Exists(firmware))
            throw new NeuroException($"firmware {firmware} does not exist");
        if (new FileInfo(serialPath).LinkTarget is not null)
            File.Delete(serialPath); // a link left by a board that was killed; never a file of the user's
        else if (File.Exists(serialPath) || Directory.Exists(serialPath))
            throw new NeuroException($"serial path {serialPath} exists and is not a symlink; choose another --serial path");
        var running = new EmulatedBoard(board, serialPath);
        try
        {
            if (emulator.Kind == "host")
                await running.StartHostAsync(firmware, environment, cancellationToken).ConfigureAwait(false);
            else
                await running.StartQemuAsync(emulator.Machine!, firmware, instructionCounting, cancellationToken).ConfigureAwait(false);
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    private async Task StartHostAsync(string firmware, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var process = Start(Path.GetFullPath(firmware), [], redirectOutput: true, environment);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NeuroException($"host firmware {firmware} printed no serial line within {StartTimeout.TotalSeconds} s");
        }
        const string prefix = "serial ";
        if (line is null || !line.StartsWith(prefix, StringComparison.Ordinal))
            throw new NeuroException($"host firmware {firmware} did not announce its pseudo-terminal (first line: '{line}')");
        File.CreateSymbolicLink(_serialPath, line[prefix.Length..]);
    }

    private async Task StartQemuAsync(string machine, string firmware, bool instructionCounting, CancellationToken cancellationToken)
    {
        int port = FreeTcpPort();
        List<string> arguments =
            ["-M", machine, "-display", "none", "-monitor", "none", "-serial", $"tcp:127.0.0.1:{port},server=on,wait=on", "-kernel", Path.GetFullPath(firmware)];
        if (instructionCounting)
            arguments.AddRange(["-icount", "shift=0"]);
        Start("qemu-system-arm", arguments, redirectOutput: false);
        // socat retries until QEMU listens; QEMU waits (wait=on) until socat connects, so no byte is lost.
        Start("socat", [$"pty,raw,echo=0,link={_serialPath}", FormattableString.Invariant($"tcp:127.0.0.1:{port},retry={(int)(StartTimeout / ConnectInterval)},interval={ConnectInterval.TotalSeconds}")], redirectOutput: false);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!File.Exists(_serialPath))
        {
            foreach (var process in _processes.Where(process => process.HasExited))
                throw new NeuroException($"{process.StartInfo.FileName} exited with {process.ExitCode} before the serial port appeared: {ErrorText(process)}");
            if (DateTime.UtcNow > deadline)
                throw new NeuroException($"serial port {_serialPath} did not appear within {StartTimeout.TotalSeconds} s");
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private string ErrorText(Process process)
    {
        lock (_errors)
            return _errors.TryGetValue(process.Id, out var text) ? text.ToString().Trim() : "";
    }

    private Process Start(string fileName, IReadOnlyList<string> arguments, bool redirectOutput, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            process.Dispose();
            throw new NeuroException($"cannot run {fileName}: {error.Message} (is it installed and on PATH?)");
        }
        _processes.Add(process);
        // Drained continuously so a chatty emulator never blocks on a full pipe; the tail explains a failed start.
        var errors = new System.Text.StringBuilder();
        lock (_errors)
            _errors[process.Id] = errors;
        process.ErrorDataReceived += (_, line) =>
        {
            lock (_errors)
            {
                if (line.Data is { } text && errors.Length < 4096)
                    errors.AppendLine(text);
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until a process of this board exits (a crash or an exit the firmware chose).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) =>
        Task.WhenAny(_processes.Select(process => process.WaitForExitAsync(cancellationToken)));

    /// <summary>True once Ctrl+C or process exit stopped the board (rather than the firmware or the emulator itself).</summary>
    public bool Interrupted { get; private set; }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        Interrupted = true;
        Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        Interrupted = true;
        Dispose();
    }

    public void Dispose()
    {
        lock (_processes)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        Console.CancelKeyPress -= OnCancelKeyPress;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var process in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(2000);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill: nothing left to stop.
            }
            process.Dispose();
        }
        if (new FileInfo(_serialPath).LinkTarget is not null)
            File.Delete(_serialPath);
    }
}
