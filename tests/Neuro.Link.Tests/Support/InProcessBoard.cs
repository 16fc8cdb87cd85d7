using System.Runtime.InteropServices;
using Neuro.Link.Transport;

namespace Neuro.Link.Tests.Support;

/// <summary>
/// The C board loaded in-process (libboard_host.so) behind an <see cref="InMemoryTransport"/> pair: the
/// in-memory transport's figures then measure the protocol on both sides, not a pipe or a pty. Each instance
/// loads its own copy of the library, since the board's state is the library's globals.
/// </summary>
public sealed class InProcessBoard : IAsyncDisposable
{
    private readonly nint _library;
    private readonly InMemoryTransport _boardEnd;
    private readonly Task _pump;
    private readonly string _copy;
    private readonly string _storage;

    public InProcessBoard(string? keyHex)
    {
        var source = Path.Combine(Path.GetDirectoryName(NativeBoard.BoardHost)!, "libboard_host.so");
        _copy = Path.Combine(Path.GetTempPath(), "neuro-link-tests", $"board-{Guid.NewGuid():N}.so");
        File.Copy(source, _copy);
        _library = NativeLibrary.Load(_copy);
        nint start = NativeLibrary.GetExport(_library, "board_lib_start");
        nint feed = NativeLibrary.GetExport(_library, "board_lib_feed");
        nint take = NativeLibrary.GetExport(_library, "board_lib_take");
        _storage = BoardProcess.NewStorage();
        string[] args = keyHex is null ? ["board", "--storage", _storage] : ["board", "--storage", _storage, "--key", keyHex];
        if (Start(start, args) != 0)
        {
            throw new InvalidOperationException("board_lib_start failed");
        }
        (Host, _boardEnd) = InMemoryTransport.CreatePair();
        _pump = Task.Run(async () =>
        {
            var input = new byte[4096];
            var output = new byte[8192];
            while (true)
            {
                int n = await _boardEnd.ReadAsync(input, default);
                if (n == 0)
                {
                    return;
                }
                nuint waiting = Call(feed, input, n);
                while (waiting > 0)
                {
                    nuint got = Call(take, output, output.Length);
                    await _boardEnd.WriteAsync(output.AsMemory(0, (int)got), default);
                    waiting -= got;
                }
            }
        });
    }

    private static unsafe int Start(nint function, string[] args)
    {
        var argv = args.Select(Marshal.StringToHGlobalAnsi).ToArray();
        try
        {
            fixed (nint* p = argv)
            {
                return ((delegate* unmanaged[Cdecl]<int, nint*, int>)function)(argv.Length, p);
            }
        }
        finally
        {
            foreach (var a in argv) Marshal.FreeHGlobal(a);
        }
    }

    /// <summary>board_lib_feed and board_lib_take share the shape (bytes, length) -> size_t.</summary>
    private static unsafe nuint Call(nint function, byte[] buffer, int length)
    {
        fixed (byte* p = buffer)
        {
            return ((delegate* unmanaged[Cdecl]<byte*, nuint, nuint>)function)(p, (nuint)length);
        }
    }

    /// <summary>The host end of the in-memory pair.</summary>
    public InMemoryTransport Host { get; }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await _pump.WaitAsync(TimeSpan.FromSeconds(5));
        await _boardEnd.DisposeAsync();
        NativeLibrary.Free(_library);
        File.Delete(_copy);
        File.Delete(_storage);
    }
}
