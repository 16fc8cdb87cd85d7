using System.Diagnostics;
using System.Security.Cryptography;
using Neuro.Link.Framing;
using Neuro.Link.Transport;

namespace Neuro.Link;

/// <summary>Timeouts and limits of a <see cref="LinkSession"/>.</summary>
public sealed record LinkSessionSettings
{
    /// <summary>
    /// First retransmission timeout, and the floor of the adaptive one: after each reply to a request sent once, the
    /// timeout follows the measured round trip (RFC 6298: SRTT + 4·RTTVAR, Karn's rule for retransmitted requests);
    /// it doubles on every timeout up to <see cref="MaxRetransmitTimeout"/>.
    /// </summary>
    public TimeSpan RetransmitTimeout { get; init; } = TimeSpan.FromMilliseconds(150);

    public TimeSpan MaxRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeouts in a row on the oldest request before the link is declared dead.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>Seeds the HELLO nonce and first sequence number; null draws them from a CSPRNG.</summary>
    public int? Seed { get; init; }
}

/// <summary>Host-side link counters (docs/protocol.md section 8).</summary>
public sealed class LinkCounters
{
    public long FramesSent, BytesSent, FramesReceived, BytesReceived, Retransmits, Timeouts, NaksReceived, DuplicateReplies,
        CrcErrors, FrameErrors;

    public LinkCounters Snapshot() => (LinkCounters)MemberwiseClone();
}

/// <summary>
/// The host end of a reliable session (docs/protocol.md section 8): every request gets a sequence number and
/// exactly one reply; requests are pipelined up to the credits the board grants; a timeout or NAK resends every
/// unanswered request from the oldest (go-back-N) with exponential backoff; a duplicate reply is dropped. The
/// board answers a retransmitted request from its reply cache, so nothing runs twice.
/// </summary>
public sealed class LinkSession : IAsyncDisposable
{
    private sealed class Pending(ushort sequence, MessageType type, byte[] wire)
    {
        public ushort Sequence { get; } = sequence;
        public MessageType Type { get; } = type;
        public byte[] Wire { get; } = wire;
        public TaskCompletionSource<Frame> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long SentAt { get; set; }
        public int Timeouts { get; set; }

        /// <summary>Sent more than once: its reply cannot tell which copy it answers, so it gives no round-trip sample.</summary>
        public bool Retransmitted { get; set; }
    }

    private readonly ILinkTransport _transport;
    private readonly LinkSessionSettings _settings;
    private readonly object _lock = new();
    private readonly List<Pending> _inFlight = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _progress = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly FrameReader _reader = new();
    private readonly Task _readLoop;
    private readonly Task _timerLoop;
    private ushort _nextSequence;
    private int _credits = 1;
    private int _maxCredits = 1;
    private TimeSpan _timeout;
    private TimeSpan _baseTimeout;
    private double? _smoothedRoundTrip, _roundTripVariation;
    private int? _nakFrom;
    private Exception? _failure;
    private int _disposed;

    private LinkSession(ILinkTransport transport, LinkSessionSettings settings, ushort firstSequence)
    {
        _transport = transport;
        _settings = settings;
        _timeout = _baseTimeout = settings.RetransmitTimeout;
        _nextSequence = firstSequence;
        _readLoop = Task.Run(ReadLoopAsync);
        _timerLoop = Task.Run(TimerLoopAsync);
    }

    /// <summary>The board's INFO from HELLO, kept current by this session's own deploys.</summary>
    public BoardInfo Info { get; private set; } = null!;

    internal void ProgramCommitted(byte slot, uint size, uint counter, byte[] hash) =>
        Info = Info with { ActiveSlot = slot, ProgramBytes = size, Counter = counter, ProgramHash = hash, PendingUploadBytes = 0 };

    public LinkCounters Counters { get; } = new();

    /// <summary>Opens a session: HELLO (retransmitted like any request) and the board's INFO.</summary>
    public static async Task<LinkSession> OpenAsync(ILinkTransport transport, LinkSessionSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        settings ??= new LinkSessionSettings();
        uint nonce;
        ushort first;
        if (settings.Seed is int seed)
        {
            var random = new Random(seed);
            nonce = (uint)random.NextInt64(1, uint.MaxValue);
            first = (ushort)random.Next(ushort.MaxValue + 1);
        }
        else
        {
            nonce = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
            first = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        }
        var session = new LinkSession(transport, settings, first);
        try
        {
            var reply = await session.RequestAsync(MessageType.Hello, new HelloRequest(nonce).Encode(), cancellationToken)
                .ConfigureAwait(false);
            session.Info = BoardInfo.Decode(Expect(reply, MessageType.Info, "HELLO"));
            lock (session._lock)
            {
                session._maxCredits = Math.Max((int)session.Info.RxCredits, 1);
                session._credits = session._maxCredits;
            }
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The payload of a reply of the expected type; ERROR becomes <see cref="BoardRefusedException"/>.</summary>
    public static byte[] Expect(Frame reply, MessageType expected, string request)
    {
        if (reply.Type == MessageType.Error)
        {
            var error = ErrorReply.Decode(reply.Payload);
            throw new BoardRefusedException(request, error.Code, error.Text);
        }
        if (reply.Type != expected)
        {
            throw new LinkException($"{request}: the board replied {reply.Type}, expected {expected}");
        }
        return reply.Payload;
    }

    /// <summary>Sends one request (waiting for a credit) and returns the task of its single reply.</summary>
    public async Task<Task<Frame>> SendAsync(MessageType type, byte[] payload, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            Pending? pending = null;
            try
            {
                lock (_lock)
                {
                    if (_failure is not null)
                    {
                        throw new LinkException($"link to {_transport.Description} is down: {_failure.Message}", _failure);
                    }
                    // The window spans sequence numbers, not unanswered requests: a request whose reply was
                    // lost holds the window open until the board's reply cache answers its retransmission.
                    int span = _inFlight.Count == 0 ? 0 : (ushort)(_nextSequence - _inFlight[0].Sequence);
                    if (span < _credits)
                    {
                        var frame = new Frame(type, _nextSequence++, 0, payload);
                        // A HELLO starts with a delimiter: it ends whatever the board's parser holds (a torn frame, or
                        // a baked firmware's console line), so the HELLO is not swallowed by it, and closes that console.
                        byte[] wire = type == MessageType.Hello ? [0x00, .. frame.Encode()] : frame.Encode();
                        pending = new Pending(frame.Sequence, type, wire) { SentAt = Stopwatch.GetTimestamp() };
                        _inFlight.Add(pending);
                    }
                }
                if (pending is not null)
                {
                    await WriteAsync(pending.Wire, cancellationToken).ConfigureAwait(false);
                    return pending.Reply.Task;
                }
            }
            finally
            {
                _writeLock.Release();
            }
            await _progress.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one request and waits for its reply.</summary>
    public async Task<Frame> RequestAsync(MessageType type, byte[] payload, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(type, payload, cancellationToken).ConfigureAwait(false);
        return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<BoardStats> GetStatsAsync(CancellationToken cancellationToken) =>
        BoardStats.Decode(Expect(await RequestAsync(MessageType.GetStats, [], cancellationToken).ConfigureAwait(false),
            MessageType.Stats, "GET_STATS"));

    private async Task WriteAsync(byte[] wire, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.WriteAsync(wire, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Fail(new LinkException($"writing to {_transport.Description} failed: {e.Message}", e));
            throw new LinkException($"writing to {_transport.Description} failed: {e.Message}", e);
        }
        Interlocked.Increment(ref Counters.FramesSent);
        Interlocked.Add(ref Counters.BytesSent, wire.Length);
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int n = await _transport.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    Fail(new LinkException($"{_transport.Description} closed the connection"));
                    return;
                }
                Interlocked.Add(ref Counters.BytesReceived, n);
                _reader.Feed(buffer.AsSpan(0, n), OnFrame);
                Counters.CrcErrors = _reader.CrcErrors;
                Counters.FrameErrors = _reader.FrameErrors;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Fail(new LinkException($"reading from {_transport.Description} failed: {e.Message}", e));
        }
    }

    private void OnFrame(Frame frame)
    {
        Interlocked.Increment(ref Counters.FramesReceived);
        lock (_lock)
        {
            if (frame.Type == MessageType.Nak)
            {
                Counters.NaksReceived++;
                if (frame.Payload.Length >= 3)
                {
                    _nakFrom = NakReply.Decode(frame.Payload).Expected;
                }
                return;
            }
            int index = _inFlight.FindIndex(p => p.Sequence == frame.Sequence);
            if (index < 0)
            {
                Counters.DuplicateReplies++;
                return;
            }
            var pending = _inFlight[index];
            _inFlight.RemoveAt(index);
            _credits = Math.Clamp((int)frame.Credits, 1, _maxCredits);
            // Karn's rule: a reply to a retransmitted request keeps the backed-off timeout until a clean sample arrives.
            if (!pending.Retransmitted)
            {
                SampleRoundTrip(Stopwatch.GetElapsedTime(pending.SentAt).TotalMilliseconds);
                _timeout = _baseTimeout;
            }
            if (index == 0 && _inFlight.Count > 0)
            {
                _inFlight[0].Timeouts = 0;
            }
            pending.Reply.TrySetResult(frame);
        }
        _progress.Release();
    }

    /// <summary>RFC 6298's estimator (α = 1/8, β = 1/4); the timeout never drops below the configured one.</summary>
    private void SampleRoundTrip(double milliseconds)
    {
        if (_smoothedRoundTrip is not double smoothed || _roundTripVariation is not double variation)
        {
            (_smoothedRoundTrip, _roundTripVariation) = (milliseconds, milliseconds / 2);
        }
        else
        {
            _roundTripVariation = 0.75 * variation + 0.25 * Math.Abs(smoothed - milliseconds);
            _smoothedRoundTrip = 0.875 * smoothed + 0.125 * milliseconds;
        }
        double timeout = _smoothedRoundTrip.Value + 4 * _roundTripVariation.Value;
        _baseTimeout = TimeSpan.FromMilliseconds(Math.Clamp(timeout, _settings.RetransmitTimeout.TotalMilliseconds, _settings.MaxRetransmitTimeout.TotalMilliseconds));
    }

    /// <summary>The retransmission timeout the session uses after its latest round-trip sample.</summary>
    public TimeSpan RetransmitTimeout
    {
        get
        {
            lock (_lock)
                return _baseTimeout;
        }
    }

    private async Task TimerLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), _stop.Token).ConfigureAwait(false);
                byte[][]? resend = null;
                lock (_lock)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (_nakFrom is int from)
                    {
                        _nakFrom = null;
                        int start = _inFlight.FindIndex(p => p.Sequence == from);
                        // A NAK for a request whose reply is already here is stale: only resend what is really missing.
                        if (start >= 0 && Stopwatch.GetElapsedTime(_inFlight[start].SentAt, now) > _timeout / 4)
                        {
                            resend = [.. _inFlight.Skip(start).Select(p => p.Wire)];
                            foreach (var p in _inFlight.Skip(start)) (p.SentAt, p.Retransmitted) = (now, true);
                        }
                    }
                    else if (_inFlight.Count > 0 && Stopwatch.GetElapsedTime(_inFlight[0].SentAt, now) > _timeout)
                    {
                        var oldest = _inFlight[0];
                        Counters.Timeouts++;
                        if (++oldest.Timeouts > _settings.MaxAttempts)
                        {
                            _failure = new LinkException(
                                $"{_transport.Description}: no reply to {oldest.Type} (seq {oldest.Sequence}) after {_settings.MaxAttempts} retransmissions");
                        }
                        else
                        {
                            resend = [.. _inFlight.Select(p => p.Wire)];
                            foreach (var p in _inFlight) (p.SentAt, p.Retransmitted) = (now, true);
                            _timeout = TimeSpan.FromTicks(Math.Min(_timeout.Ticks * 2, _settings.MaxRetransmitTimeout.Ticks));
                        }
                    }
                }
                if (_failure is not null)
                {
                    Fail(_failure);
                    return;
                }
                if (resend is not null)
                {
                    await _writeLock.WaitAsync(_stop.Token).ConfigureAwait(false);
                    try
                    {
                        foreach (var wire in resend)
                        {
                            Interlocked.Increment(ref Counters.Retransmits);
                            await WriteAsync(wire, _stop.Token).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        _writeLock.Release();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (LinkException)
        {
            // Fail() already recorded it and failed every pending request.
        }
    }

    private void Fail(Exception failure)
    {
        Pending[] pending;
        lock (_lock)
        {
            _failure ??= failure;
            pending = [.. _inFlight];
            _inFlight.Clear();
        }
        foreach (var p in pending)
        {
            p.Reply.TrySetException(_failure);
        }
        _progress.Release();
    }

    /// <summary>Closes the session and its transport; calling it again does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stop.Cancel();
        Fail(new LinkException("session closed"));
        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // A port whose board has gone (its pseudo-terminal closed) fails to flush on close: there is nothing left to save.
        }
        try
        {
            await Task.WhenAll(_readLoop, _timerLoop).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or LinkException)
        {
            // A transport whose read cannot be cancelled (a blocking pipe) is abandoned with its process.
        }
        _stop.Dispose();
    }
}
