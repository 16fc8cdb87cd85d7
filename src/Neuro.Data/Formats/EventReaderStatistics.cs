namespace Neuro.Data.Formats;

/// <summary>
/// Counters a reader keeps while it walks a file. They grow as events are read and are final once the
/// reader has reached the end.
/// </summary>
public sealed class EventReaderStatistics
{
    /// <summary>Polarity events delivered to the caller.</summary>
    public long EventsRead { get; internal set; }

    /// <summary>Polarity events skipped because their valid flag was clear (AEDAT 3.1).</summary>
    public long InvalidEventsSkipped { get; internal set; }

    /// <summary>Events that are not polarity events (special, APS, IMU, trigger), skipped.</summary>
    public long OtherEventsSkipped { get; internal set; }

    /// <summary>Packets whose polarity events were delivered (AEDAT 3.1 and 4.0).</summary>
    public long PacketsRead { get; internal set; }

    /// <summary>Packets of other types or streams, skipped whole (AEDAT 3.1 and 4.0).</summary>
    public long PacketsSkipped { get; internal set; }

    /// <summary>
    /// AEDAT 3.1 polarity packets whose eventValid field disagreed with the number of events carrying the
    /// valid flag. The flag wins; the packets are counted here rather than rejected.
    /// </summary>
    public long ValidCountMismatches { get; internal set; }

    /// <summary>Bytes consumed from the file so far, header included.</summary>
    public long BytesRead { get; internal set; }
}
