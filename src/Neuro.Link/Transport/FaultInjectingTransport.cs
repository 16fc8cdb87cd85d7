using System.Threading.Channels;

namespace Neuro.Link.Transport;

/// <summary>Rates (0..1) of faults applied to each frame, independently in each direction.</summary>
public sealed record FaultRates(double Corrupt = 0, double Drop = 0, double Duplicate = 0, double Reorder = 0, double Delay = 0,
    TimeSpan DelayBy = default);

/// <summary>Counts of the faults a <see cref="FaultInjectingTransport"/> injected.</summary>
public sealed class FaultCounters
{
    public long Frames, Corrupted, Dropped, Duplicated, Reordered, Delayed;

    public override string ToString() =>
        $"{Frames} frames: {Corrupted} corrupted, {Dropped} dropped, {Duplicated} duplicated, {Reordered} reordered, {Delayed} delayed";
}

/// <summary>
/// Wraps a transport and damages whole frames (0x00-delimited) with seeded rates: one flipped bit, a lost
/// frame, a frame sent twice, a frame swapped with the next, a frame held back. Same seed, same faults for the
/// same traffic, so a failing run can be replayed.
/// </summary>
public sealed class FaultInjectingTransport : ILinkTransport
{
    private readonly ILinkTransport _inner;
    private readonly FaultRates _toBoard;
    private readonly FaultRates _toHost;
    private readonly Random _writeRandom;
    private readonly Random _readRandom;
    private readonly List<byte> _writeFrame = [];
    private readonly List<byte> _readFrame = [];
    private byte[]? _writeHeld;
    private byte[]? _readHeld;
    private readonly Channel<byte[]> _readReady = Channel.CreateUnbounded<byte[]>();
    private byte[] _readPending = [];
    private int _readPendingAt;
    private readonly byte[] _readBuffer = new byte[4096];

    public FaultInjectingTransport(ILinkTransport inner, FaultRates toBoard, FaultRates toHost, int seed)
    {
        _inner = inner;
        _toBoard = toBoard;
        _toHost = toHost;
        _writeRandom = new Random(seed);
        _readRandom = new Random(seed ^ 0x5EED);
    }

    public string Description => $"faulty({_inner.Description})";

    public FaultCounters ToBoard { get; } = new();

    public FaultCounters ToHost { get; } = new();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var output = new List<byte[]>();
        foreach (byte b in bytes.Span)
        {
            _writeFrame.Add(b);
            if (b == 0)
            {
                Damage(_writeFrame.ToArray(), _toBoard, _writeRandom, ToBoard, ref _writeHeld, output);
                _writeFrame.Clear();
            }
        }
        foreach (var frame in output)
        {
            if (_toBoard.Delay > 0 && _writeRandom.NextDouble() < _toBoard.Delay)
            {
                ToBoard.Delayed++;
                await Task.Delay(_toBoard.DelayBy, cancellationToken).ConfigureAwait(false);
            }
            await _inner.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (_readPendingAt >= _readPending.Length)
        {
            if (_readReady.Reader.TryRead(out var ready))
            {
                _readPending = ready;
                _readPendingAt = 0;
                break;
            }
            int n = await _inner.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return 0;
            }
            var output = new List<byte[]>();
            for (int i = 0; i < n; i++)
            {
                _readFrame.Add(_readBuffer[i]);
                if (_readBuffer[i] == 0)
                {
                    Damage(_readFrame.ToArray(), _toHost, _readRandom, ToHost, ref _readHeld, output);
                    _readFrame.Clear();
                }
            }
            foreach (var frame in output)
            {
                if (_toHost.Delay > 0 && _readRandom.NextDouble() < _toHost.Delay)
                {
                    ToHost.Delayed++;
                    await Task.Delay(_toHost.DelayBy, cancellationToken).ConfigureAwait(false);
                }
                _readReady.Writer.TryWrite(frame);
            }
        }
        int count = Math.Min(buffer.Length, _readPending.Length - _readPendingAt);
        _readPending.AsMemory(_readPendingAt, count).CopyTo(buffer);
        _readPendingAt += count;
        return count;
    }

    private static void Damage(byte[] frame, FaultRates rates, Random random, FaultCounters counters, ref byte[]? held,
        List<byte[]> output)
    {
        counters.Frames++;
        if (random.NextDouble() < rates.Drop)
        {
            counters.Dropped++;
            return;
        }
        if (random.NextDouble() < rates.Corrupt && frame.Length > 1)
        {
            counters.Corrupted++;
            frame = (byte[])frame.Clone();
            int at = random.Next(frame.Length - 1); // the delimiter stays: line noise inside a frame
            frame[at] ^= (byte)(1 << random.Next(8));
        }
        bool duplicate = random.NextDouble() < rates.Duplicate;
        if (held is null && random.NextDouble() < rates.Reorder)
        {
            counters.Reordered++;
            held = frame;
            return;
        }
        output.Add(frame);
        if (duplicate)
        {
            counters.Duplicated++;
            output.Add(frame);
        }
        if (held is not null)
        {
            output.Add(held);
            held = null;
        }
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
