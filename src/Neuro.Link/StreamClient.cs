using System.Diagnostics;
using Neuro.Program;

namespace Neuro.Link;

/// <summary>One sample's round trip.</summary>
/// <param name="Result">The board's RESULT.</param>
/// <param name="Latency">From START_SAMPLE sent to RESULT received.</param>
/// <param name="Events">Events (sum of frame values) streamed.</param>
/// <param name="EventBytes">Bytes of event data in EVENTS messages (encoding only, no headers).</param>
/// <param name="WireBytes">Bytes sent on the wire for the sample, all headers, COBS, CRC and retransmissions included.</param>
/// <param name="Encodings">How many steps went out in each encoding.</param>
public sealed record StreamedSample(SampleResult Result, TimeSpan Latency, long Events, long EventBytes, long WireBytes,
    IReadOnlyDictionary<EventEncoding, int> Encodings)
{
    /// <summary>Wire bytes per event (0 events: the wire bytes).</summary>
    public double WireBytesPerEvent => Events == 0 ? WireBytes : WireBytes / (double)Events;
}

/// <summary>
/// Streams samples to a board running a program: START_SAMPLE, each time step's frame as EVENTS messages in the
/// encoding the <see cref="EventEncoder"/> picks, END_SAMPLE, and the RESULT back. Requests are pipelined up to
/// the board's credits; with a step period the steps are paced in real time.
/// </summary>
public sealed class StreamClient
{
    private readonly LinkSession _session;
    private readonly InputSpec _input;
    private readonly EventEncoder _encoder;

    public StreamClient(LinkSession session, InputSpec input)
    {
        if (!session.Info.HasProgram)
        {
            throw new LinkException($"board '{session.Info.Name}' has no program: deploy one first");
        }
        _session = session;
        _input = input;
        _encoder = new EventEncoder(input, session.Info.MaxPayload);
    }

    /// <summary>Streams one whole u8 [T, C, H, W] sample (as <c>ProgramSamples.Encode</c> writes it), step by step; see <see cref="RunAsync"/>.</summary>
    public Task<StreamedSample> RunSampleAsync(uint sampleId, byte[] sample, TimeSpan? stepPeriod = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.Length != _input.TimeSteps * _input.FrameLength)
            throw new LinkException($"sample {sampleId}: {sample.Length} bytes, the program takes {_input.TimeSteps} × {_input.FrameLength}");
        return RunAsync(sampleId, [.. sample.Chunk(_input.FrameLength)], stepPeriod, cancellationToken);
    }

    /// <summary>
    /// The real-time step period of a recording spanning <paramref name="startUs"/>..<paramref name="endUs"/> (sensor
    /// timestamps, µs) framed into <paramref name="timeSteps"/> equal bins.
    /// </summary>
    public static TimeSpan StepPeriod(long startUs, long endUs, int timeSteps)
    {
        if (timeSteps <= 0 || endUs < startUs)
        {
            throw new LinkException($"cannot pace a recording from {startUs} µs to {endUs} µs in {timeSteps} time steps");
        }
        return TimeSpan.FromMicroseconds((endUs - startUs) / (double)timeSteps);
    }

    /// <param name="sampleId">Echoed in the RESULT.</param>
    /// <param name="frames">T frames of C·H·W cells.</param>
    /// <param name="stepPeriod">
    /// Real-time pacing: step t holds the events of the time bin [t·period, (t+1)·period) and, as from a live sensor, is
    /// sent only once that bin has closed, (t+1)·period after the start; a sample so takes at least its recording's span.
    /// Null sends as fast as the link allows.
    /// </param>
    /// <param name="cancellationToken">Stops between messages.</param>
    public async Task<StreamedSample> RunAsync(uint sampleId, IReadOnlyList<byte[]> frames, TimeSpan? stepPeriod = null,
        CancellationToken cancellationToken = default)
    {
        if (frames.Count != _input.TimeSteps)
        {
            throw new LinkException($"sample {sampleId}: {frames.Count} frames, the program takes {_input.TimeSteps} time steps");
        }
        long wireAtStart = _session.Counters.BytesSent;
        var clock = Stopwatch.StartNew();
        var replies = new List<(string Request, Task<Framing.Frame> Reply)>
        {
            ("START_SAMPLE", await _session.SendAsync(MessageType.StartSample, new SampleRequest(sampleId).Encode(), cancellationToken).ConfigureAwait(false)),
        };
        long events = 0, eventBytes = 0;
        var encodings = new Dictionary<EventEncoding, int>();
        for (int step = 0; step < frames.Count; step++)
        {
            if (stepPeriod is TimeSpan period && period * (step + 1) > clock.Elapsed)
            {
                await Task.Delay(period * (step + 1) - clock.Elapsed, cancellationToken).ConfigureAwait(false);
            }
            foreach (byte v in frames[step])
            {
                events += v;
            }
            var parts = _encoder.Encode((ushort)step, frames[step]);
            encodings[parts[0].Encoding] = encodings.GetValueOrDefault(parts[0].Encoding) + 1;
            foreach (var part in parts)
            {
                eventBytes += part.Data.Length;
                replies.Add(($"EVENTS step {step}", await _session.SendAsync(MessageType.Events, part.Encode(), cancellationToken).ConfigureAwait(false)));
            }
        }
        var end = await _session.SendAsync(MessageType.EndSample, new SampleRequest(sampleId).Encode(), cancellationToken).ConfigureAwait(false);
        foreach (var (request, reply) in replies)
        {
            LinkSession.Expect(await reply.WaitAsync(cancellationToken).ConfigureAwait(false), MessageType.Ack, $"{request} of sample {sampleId}");
        }
        var result = SampleResult.Decode(LinkSession.Expect(await end.WaitAsync(cancellationToken).ConfigureAwait(false),
            MessageType.Result, $"END_SAMPLE of sample {sampleId}"));
        if (result.SampleId != sampleId)
        {
            throw new LinkException($"asked for sample {sampleId}, the board answered sample {result.SampleId}");
        }
        return new StreamedSample(result, clock.Elapsed, events, eventBytes, _session.Counters.BytesSent - wireAtStart, encodings);
    }
}
