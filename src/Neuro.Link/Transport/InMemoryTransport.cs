using System.Threading.Channels;

namespace Neuro.Link.Transport;

/// <summary>Two connected in-process ends: what one writes, the other reads, in order and intact.</summary>
public sealed class InMemoryTransport : ILinkTransport
{
    private readonly Channel<byte[]> _incoming;
    private readonly Channel<byte[]> _outgoing;
    private byte[] _pending = [];
    private int _pendingAt;

    private InMemoryTransport(string description, Channel<byte[]> incoming, Channel<byte[]> outgoing)
    {
        Description = description;
        _incoming = incoming;
        _outgoing = outgoing;
    }

    public string Description { get; }

    /// <summary>A connected pair: (host end, board end).</summary>
    public static (InMemoryTransport Host, InMemoryTransport Board) CreatePair()
    {
        var toBoard = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        var toHost = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        return (new InMemoryTransport("memory:host", toHost, toBoard), new InMemoryTransport("memory:board", toBoard, toHost));
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (!_outgoing.Writer.TryWrite(bytes.ToArray()))
        {
            throw new LinkException($"{Description}: the other end is closed");
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_pendingAt >= _pending.Length)
        {
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
            _pending = await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _pendingAt = 0;
        }
        int n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
        _pending.AsMemory(_pendingAt, n).CopyTo(buffer);
        _pendingAt += n;
        return n;
    }

    public ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
