using System.Diagnostics;
using System.Threading.Channels;
using Neuro.Link.Transport;

namespace Neuro.Link.Tests.Support;

/// <summary>
/// The C board (board_host) as a process whose flash is a file: killing it and starting another on the same
/// file is a board reset. Connections are views on its serial line: a cut connection stops carrying bytes
/// (bytes the board sends meanwhile are lost, like on an unplugged cable) and a new one can be opened.
/// </summary>
public sealed class BoardProcess : IAsyncDisposable
{
    private readonly string _storage;
    private readonly string? _keyHex;
    private Process? _process;
    private Task? _pump;
    private Line? _current;

    private readonly string _executable;

    public BoardProcess(string storage, string? keyHex = null, string? executable = null)
    {
        _storage = storage;
        _keyHex = keyHex;
        _executable = executable ?? NativeBoard.BoardHost;
    }

    public static string NewStorage() =>
        Path.Combine(Path.GetTempPath(), "neuro-link-tests", $"flash-{Guid.NewGuid():N}.bin");

    /// <summary>Exit code of the last process once it has exited (3: the simulated power cut).</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Start(int? crashAfterWrites = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_storage)!);
        var arguments = new List<string> { "--storage", _storage };
        if (_keyHex is not null)
        {
            arguments.AddRange(["--key", _keyHex]);
        }
        if (crashAfterWrites is int n)
        {
            arguments.AddRange(["--crash-after-writes", n.ToString()]);
        }
        var start = new ProcessStartInfo(_executable, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        var process = _process;
        _pump = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            var stdout = process.StandardOutput.BaseStream;
            while (true)
            {
                int n;
                try
                {
                    n = await stdout.ReadAsync(buffer);
                }
                catch (IOException)
                {
                    n = 0;
                }
                var line = _current;
                if (n == 0)
                {
                    line?.Incoming.Writer.TryComplete();
                    return;
                }
                line?.Incoming.Writer.TryWrite(buffer.AsSpan(0, n).ToArray());
            }
        });
    }

    /// <summary>A new connection to the board; the previous one, if any, is cut.</summary>
    public ILinkTransport Connect()
    {
        _current?.Cut();
        _current = new Line(this);
        return _current;
    }

    /// <summary>Power loss: the process dies at once, its flash file keeps what was written.</summary>
    public async Task KillAsync()
    {
        _current?.Cut();
        if (_process is { HasExited: false })
        {
            _process.Kill();
        }
        if (_process is not null)
        {
            await _process.WaitForExitAsync();
        }
        if (_pump is not null)
        {
            await _pump;
        }
    }

    public async Task WaitForExitAsync()
    {
        if (_process is not null)
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        File.Delete(_storage);
    }

    private sealed class Line(BoardProcess board) : ILinkTransport
    {
        private bool _cut;
        private byte[] _pending = [];
        private int _at;

        public Channel<byte[]> Incoming { get; } = Channel.CreateUnbounded<byte[]>();

        public string Description => "board_host";

        public void Cut()
        {
            _cut = true;
            Incoming.Writer.TryComplete();
        }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            if (_cut || board._process is null || board._process.HasExited)
            {
                throw new IOException("the line to the board is cut");
            }
            var stdin = board._process.StandardInput.BaseStream;
            await stdin.WriteAsync(bytes, cancellationToken);
            await stdin.FlushAsync(cancellationToken);
        }

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (_at >= _pending.Length)
            {
                if (!await Incoming.Reader.WaitToReadAsync(cancellationToken) || !Incoming.Reader.TryRead(out var next))
                {
                    return 0;
                }
                _pending = next;
                _at = 0;
            }
            int n = Math.Min(buffer.Length, _pending.Length - _at);
            _pending.AsMemory(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        public ValueTask DisposeAsync()
        {
            Cut();
            return ValueTask.CompletedTask;
        }
    }
}
