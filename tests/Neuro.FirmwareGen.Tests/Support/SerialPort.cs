using System.Runtime.InteropServices;
using System.Text;

namespace Neuro.FirmwareGen.Tests.Support;

/// <summary>
/// Opens a board's pseudo-terminal the way a serial client does (O_NOCTTY, non-blocking) and reads lines
/// with a deadline, so a firmware that never answers fails the test instead of hanging it.
/// </summary>
internal sealed partial class SerialPort : IDisposable
{
    private const int ReadWrite = 2, NoControllingTty = 0x100, NonBlocking = 0x800;
    private const short PollIn = 1;

    private readonly int _fd;
    private readonly StringBuilder _pending = new();

    public SerialPort(string path)
    {
        _fd = Open(path, ReadWrite | NoControllingTty | NonBlocking);
        if (_fd < 0)
            throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public string ReadLine(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[256];
        while (true)
        {
            string text = _pending.ToString();
            int end = text.IndexOf('\n', StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                return text[..end].TrimEnd('\r');
            }
            int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
            if (left <= 0)
                throw new TimeoutException($"no line within {timeout.TotalSeconds} s (received so far: '{text}')");
            var poll = new PollFd { Fd = _fd, Events = PollIn };
            if (Poll(ref poll, 1, left) > 0)
            {
                nint count = Read(_fd, buffer, buffer.Length);
                if (count > 0)
                    _pending.Append(Encoding.ASCII.GetString(buffer, 0, (int)count));
            }
        }
    }

    public void Write(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        if (WriteBytes(_fd, bytes, bytes.Length) != bytes.Length)
            throw new IOException($"short write to the serial port: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose() => Close(_fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteBytes(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
