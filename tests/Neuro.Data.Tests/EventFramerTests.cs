using Neuro.Data.Events;
using Neuro.Data.Framing;

namespace Neuro.Data.Tests;

public sealed class EventFramerTests
{
    [Fact]
    public void Number_split_gives_SpikingJellys_equal_counts_with_the_remainder_in_the_last_bin()
    {
        // N = 10, T = 3: di = 10 // 3 = 3 → [0,3) [3,6) [6,10).
        var (starts, ends) = EventFramer.BinBoundaries(new long[10], 3, FrameSplit.Number);

        Assert.Equal([0, 3, 6], starts);
        Assert.Equal([3, 6, 10], ends);
    }

    [Fact]
    public void Number_split_with_fewer_events_than_bins_puts_them_all_in_the_last_bin()
    {
        var (starts, ends) = EventFramer.BinBoundaries(new long[2], 4, FrameSplit.Number);

        Assert.Equal([0, 0, 0, 0], starts);
        Assert.Equal([0, 0, 0, 2], ends);
    }

    [Fact]
    public void Time_split_gives_SpikingJellys_equal_durations_from_the_first_event()
    {
        // dt = (30 − 0) // 3 = 10: [0,10) holds t = 0,1,2,5,6,9; [10,20) holds 10,11; the last bin runs from t ≥ 20 to N.
        long[] t = [0, 1, 2, 5, 6, 9, 10, 11, 29, 30];

        var (starts, ends) = EventFramer.BinBoundaries(t, 3, FrameSplit.Time);

        Assert.Equal([0, 6, 8], starts);
        Assert.Equal([6, 8, 10], ends);
    }

    [Fact]
    public void Time_split_gives_the_last_bin_the_events_past_T_times_dt()
    {
        // t = 100..110, T = 3: dt = 10 // 3 = 3, bins start at 100, 103, 106; 109 and 110 lie past 100 + 3·3 and join the last bin.
        var t = Enumerable.Range(100, 11).Select(v => (long)v).ToArray();

        var (starts, ends) = EventFramer.BinBoundaries(t, 3, FrameSplit.Time);

        Assert.Equal([0, 3, 6], starts);
        Assert.Equal([3, 6, 11], ends);
    }

    [Fact]
    public void Time_split_leaves_a_bin_without_events_empty_where_SpikingJelly_would_fail()
    {
        var (starts, ends) = EventFramer.BinBoundaries([0, 1, 2, 30], 3, FrameSplit.Time);

        Assert.Equal([0, 3, 3], starts);
        Assert.Equal([3, 3, 4], ends);
    }

    [Fact]
    public void Frames_count_events_per_bin_with_OFF_in_channel_0_and_ON_in_channel_1()
    {
        var events = Bytes.Events(new DvsEvent(0, 1, 2, true), new DvsEvent(1, 1, 2, true), new DvsEvent(2, 3, 4, false), new DvsEvent(3, 0, 0, false));

        var frames = EventFramer.Frame(events, new FramingOptions(2, sensorWidth: 8, sensorHeight: 8));

        Assert.Equal([2, 2, 8, 8], frames.Shape);
        Assert.Equal(2, frames[0, FrameTensor.OnChannel, 2, 1]);
        Assert.Equal(1, frames[1, FrameTensor.OffChannel, 4, 3]);
        Assert.Equal(1, frames[1, FrameTensor.OffChannel, 0, 0]);
        Assert.Equal(4, frames.Sum());
    }

    [Fact]
    public void Binary_frames_hold_one_where_any_event_fell()
    {
        var events = Bytes.Events(new DvsEvent(0, 1, 2, true), new DvsEvent(1, 1, 2, true));

        var frames = EventFramer.Frame(events, new FramingOptions(1, value: FrameValue.Binary, sensorWidth: 4, sensorHeight: 4));

        Assert.Equal(1, frames[0, FrameTensor.OnChannel, 2, 1]);
        Assert.Equal(1, frames.Sum());
    }

    [Fact]
    public void Downsampling_sums_counts_over_each_block_like_sum_pooling_the_full_frames()
    {
        var random = new Random(11);
        var events = new EventBuffer();
        for (var i = 0; i < 5000; i++)
            events.Add(i, random.Next(128), random.Next(128), random.Next(2) == 1);
        var full = EventFramer.Frame(events, new FramingOptions(4));

        var pooled = EventFramer.Frame(events, new FramingOptions(4, downsample: 4));

        Assert.Equal([4, 2, 32, 32], pooled.Shape);
        for (var t = 0; t < 4; t++)
        for (var c = 0; c < 2; c++)
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
        {
            float sum = 0;
            for (var dy = 0; dy < 4; dy++)
            for (var dx = 0; dx < 4; dx++)
                sum += full[t, c, (4 * y) + dy, (4 * x) + dx];
            Assert.Equal(sum, pooled[t, c, y, x]);
        }
    }

    [Fact]
    public void A_factor_that_does_not_divide_the_sensor_rounds_the_frame_size_up()
    {
        var options = new FramingOptions(1, downsample: 3);

        Assert.Equal((43, 43), (options.FrameWidth, options.FrameHeight));
    }

    [Fact]
    public void An_event_outside_the_sensor_is_an_error_not_a_silent_drop()
    {
        var events = Bytes.Events(new DvsEvent(0, 200, 5, true));

        var error = Assert.Throws<DataOptionsException>(() => EventFramer.Frame(events, new FramingOptions(1)));

        Assert.Contains("outside the 128 × 128 sensor", error.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2000, 1)]
    [InlineData(4, 0)]
    public void Framing_options_out_of_range_are_rejected(int bins, int downsample)
    {
        Assert.Throws<DataOptionsException>(() => new FramingOptions(bins, downsample: downsample));
    }

    [Fact]
    public void A_with_expression_is_validated_too()
    {
        var options = new FramingOptions(16);

        Assert.Throws<DataOptionsException>(() => options with { Bins = 0 });
        Assert.Equal("t16-time-ds4-binary-128x128", (options with { Split = FrameSplit.Time, Downsample = 4, Value = FrameValue.Binary }).Key);
    }
}
