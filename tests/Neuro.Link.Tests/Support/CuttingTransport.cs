using Neuro.Link.Framing;
using Neuro.Link.Transport;

namespace Neuro.Link.Tests.Support;

/// <summary>Passes frames through until <c>cutBefore</c> says a frame must not go out; from then on the line is dead.</summary>
public sealed class CuttingTransport(ILinkTransport inner, Func<Frame, bool> cutBefore) : ILinkTransport
{
    private readonly List<byte> _frame = [];

    public bool IsCut { get; private set; }

    public string Description => $"cutting({inner.Description})";

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        foreach (byte b in bytes.Span.ToArray())
        {
            if (IsCut)
            {
                break;
            }
            _frame.Add(b);
            if (b != 0)
            {
                continue;
            }
            var wire = _frame.ToArray();
            _frame.Clear();
            if (Frame.TryDecode(wire.AsSpan(0, wire.Length - 1), out var frame) == FrameDecodeResult.Ok && cutBefore(frame!))
            {
                IsCut = true;
                await inner.DisposeAsync();
                break;
            }
            await inner.WriteAsync(wire, cancellationToken);
        }
        if (IsCut)
        {
            throw new IOException("cable pulled");
        }
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(buffer, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
