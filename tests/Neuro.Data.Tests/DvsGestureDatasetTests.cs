using Neuro.Data.Events;
using Neuro.Data.Formats;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;

namespace Neuro.Data.Tests;

public sealed class DvsGestureDatasetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A recording with one event every 10 µs from t = 0 to 990.</summary>
    private string WriteRecording(string name, string labels)
    {
        var events = new EventBuffer();
        for (var t = 0; t < 1000; t += 10)
            events.Add(t, t % 128, 5, on: t % 20 == 0);
        var path = _dir.File(name);
        using (var writer = new Aedat31Writer(File.Create(path)))
            writer.Write(events);
        File.WriteAllText(DvsGestureRecording.LabelsPathFor(path), labels);
        return path;
    }

    [Fact]
    public void A_sample_holds_the_events_with_start_at_most_t_and_t_before_end()
    {
        WriteRecording("user01_led.aedat", "class,startTime_usec,endTime_usec\n3,100,200\n");
        File.WriteAllText(_dir.File("trials_to_train.txt"), "user01_led.aedat\n");
        File.WriteAllText(_dir.File("trials_to_test.txt"), "");
        var dataset = DvsGestureDataset.Open(_dir.Path);

        var sample = Assert.Single(dataset.EnumerateSamples(DvsGestureSplit.Train));

        Assert.Equal(Enumerable.Range(10, 10).Select(i => i * 10L), sample.Events.Timestamps.ToArray());
        Assert.Equal(2, sample.ClassIndex);
        Assert.Equal("left_hand_wave", sample.Label.ClassName);
        Assert.Equal((1, "led"), (sample.Recording.User, sample.Recording.Lighting));
    }

    [Fact]
    public void Overlapping_and_empty_label_rows_are_reported_not_fatal()
    {
        WriteRecording("user02_natural.aedat", "class,startTime_usec,endTime_usec\r\n1,0,300\r\n2,250,400\r\n3,500,500\r\n12,0,10\r\n4,5000,6000\r\n");
        var diagnostics = new List<DatasetDiagnostic>();
        var recording = new DvsGestureRecording(_dir.File("user02_natural.aedat"), _dir.File("user02_natural_labels.csv"), 2, "natural");

        var samples = DvsGestureDataset.ReadSamples(recording, diagnostics).ToList();

        Assert.Equal([30, 15], samples.Select(s => s.Events.Count));
        Assert.Equal([3, 4, 5, 6], diagnostics.Select(d => d.Line).Order());
        Assert.Contains(diagnostics, d => d.Line == 3 && d.Message.Contains("overlaps line 2"));
        Assert.Contains(diagnostics, d => d.Line == 4 && d.Message.Contains("empty interval"));
        Assert.Contains(diagnostics, d => d.Line == 5 && d.Message.Contains("outside 1–11"));
        Assert.Contains(diagnostics, d => d.Line == 6 && d.Message.Contains("no events"));
    }

    [Fact]
    public void Samples_spanning_many_read_batches_are_assembled_whole()
    {
        var events = new EventBuffer();
        for (var t = 0; t < 300_000; t++)
            events.Add(t, 1, 1, true);
        var path = _dir.File("user03_lab.aedat");
        using (var writer = new Aedat31Writer(File.Create(path)))
            writer.Write(events);
        File.WriteAllText(DvsGestureRecording.LabelsPathFor(path), "class,startTime_usec,endTime_usec\n1,1000,250000\n2,200000,200001\n");

        var samples = DvsGestureDataset.ReadSamples(new DvsGestureRecording(path, DvsGestureRecording.LabelsPathFor(path), 3, "lab"), new List<DatasetDiagnostic>()).ToList();

        Assert.Equal([249_000, 1], samples.Select(s => s.Events.Count));
    }

    [Fact]
    public void A_label_row_that_is_not_three_integers_names_its_line()
    {
        WriteRecording("user04_led.aedat", "class,startTime_usec,endTime_usec\n1,abc,200\n");

        var error = Assert.Throws<EventFileException>(() =>
            GestureLabelsCsv.Read(_dir.File("user04_led_labels.csv"), new List<DatasetDiagnostic>()));

        Assert.Contains("line 2", error.Message);
        Assert.Equal(34, error.Offset);
    }

    [Fact]
    public void Without_split_lists_recordings_are_split_by_user_number_and_that_is_reported()
    {
        WriteRecording("user05_led.aedat", "class,startTime_usec,endTime_usec\n1,0,100\n");
        WriteRecording("user24_led.aedat", "class,startTime_usec,endTime_usec\n1,0,100\n");

        var dataset = DvsGestureDataset.Open(_dir.Path);

        Assert.Equal([5], dataset.Recordings(DvsGestureSplit.Train).Select(r => r.User));
        Assert.Equal([24], dataset.Recordings(DvsGestureSplit.Test).Select(r => r.User));
        Assert.Contains(dataset.Diagnostics, d => d.Message.Contains("split by user number"));
    }

    [Fact]
    public void A_listed_recording_without_labels_is_a_dataset_error()
    {
        WriteRecording("user06_led.aedat", "class,startTime_usec,endTime_usec\n");
        File.Delete(_dir.File("user06_led_labels.csv"));
        File.WriteAllText(_dir.File("trials_to_train.txt"), "user06_led.aedat\n");
        File.WriteAllText(_dir.File("trials_to_test.txt"), "");

        var error = Assert.Throws<DatasetException>(() => DvsGestureDataset.Open(_dir.Path));

        Assert.Contains("user06_led_labels.csv", error.Message);
    }

    [Fact]
    public void Framed_samples_carry_their_class_and_origin()
    {
        WriteRecording("user07_led.aedat", "class,startTime_usec,endTime_usec\n11,0,1000\n");
        File.WriteAllText(_dir.File("trials_to_train.txt"), "user07_led.aedat\n");
        File.WriteAllText(_dir.File("trials_to_test.txt"), "");

        var sample = Assert.Single(DvsGestureDataset.Open(_dir.Path).EnumerateFramed(DvsGestureSplit.Train, new FramingOptions(4, downsample: 4)));

        Assert.Equal(10, sample.ClassIndex);
        Assert.Equal(100, sample.EventCount);
        Assert.Equal(100, sample.Frames.Sum());
        Assert.Equal("user07_led.aedat", sample.Recording);
    }
}
