namespace Neuro.Link.Transport;

/// <summary>
/// A byte pipe to a board. Framing, retransmission and flow control live above it (<see cref="LinkSession"/>),
/// so every transport only moves bytes. Reads return 0 when the other end has closed.
/// </summary>
public interface ILinkTransport : IAsyncDisposable
{
    /// <summary>What this transport connects to, for messages (e.g. <c>/dev/ttyACM0</c>, <c>tcp:localhost:4000</c>).</summary>
    string Description { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>Any <see cref="Stream"/> as a transport: serial ports, TCP sockets and a board process's stdin/stdout.</summary>
public sealed class StreamTransport : ILinkTransport
{
    private readonly Stream _read;
    private readonly Stream _write;
    private readonly IDisposable? _owner;

    public StreamTransport(string description, Stream read, Stream write, IDisposable? owner = null)
    {
        Description = description;
        _read = read;
        _write = write;
        _owner = owner;
    }

    public string Description { get; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _write.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _write.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _read.ReadAsync(buffer, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _write.DisposeAsync().ConfigureAwait(false);
        if (!ReferenceEquals(_read, _write))
        {
            await _read.DisposeAsync().ConfigureAwait(false);
        }
        _owner?.Dispose();
    }
}
