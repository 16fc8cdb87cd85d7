using Neuro.Data.Formats;
using Neuro.Data.Framing;
using Neuro.Data.Gestures;
using Neuro.Data.Synthetic;

namespace Neuro.Data.Tests;

public sealed class SyntheticGestureGeneratorTests : IClassFixture<SyntheticDataFixture>
{
    private readonly SyntheticDataFixture _data;

    public SyntheticGestureGeneratorTests(SyntheticDataFixture data) => _data = data;

    [Fact]
    public void The_set_is_written_in_the_DvsGesture_layout_with_test_users_numbered_from_24()
    {
        Assert.Equal(["user01_fluorescent.aedat", "user02_fluorescent.aedat"], File.ReadAllLines(Path.Combine(_data.Root, "trials_to_train.txt")));
        Assert.Equal(["user24_fluorescent.aedat"], File.ReadAllLines(Path.Combine(_data.Root, "trials_to_test.txt")));
        Assert.True(File.Exists(Path.Combine(_data.Root, "user24_fluorescent_labels.csv")));
        Assert.Equal(EventFileFormat.Aedat31, EventFile.Sniff(Path.Combine(_data.Root, "user01_fluorescent.aedat")));
        Assert.Equal(3 * DvsGestureClasses.Count, _data.Summary.Samples);
    }

    [Fact]
    public void The_real_reader_path_yields_every_class_for_every_recording()
    {
        var dataset = DvsGestureDataset.Open(_data.Root);

        var train = dataset.EnumerateSamples(DvsGestureSplit.Train).ToList();
        var test = dataset.EnumerateSamples(DvsGestureSplit.Test).ToList();

        Assert.Equal(22, train.Count);
        Assert.Equal(11, test.Count);
        Assert.Equal(Enumerable.Range(0, 11), test.Select(s => s.ClassIndex));
        Assert.Empty(dataset.Diagnostics);
        Assert.All(train, s => Assert.InRange(s.Events.X.ToArray().Max(), 0, 127));
    }

    [Fact]
    public void Every_class_fires_at_a_rate_in_the_range_of_the_real_dataset()
    {
        Assert.All(_data.Summary.ClassRates, rate => Assert.InRange(rate.EventsPerSecond, 10_000, 400_000));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_files()
    {
        using var dir = new TempDirectory();
        var options = SyntheticDataFixture.SmallOptions with { Users = 2 };

        new SyntheticGestureGenerator(options).WriteDataset(dir.File("a"));
        new SyntheticGestureGenerator(options).WriteDataset(dir.File("b"));

        foreach (var file in Directory.GetFiles(dir.File("a")).Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("a"), file!)), File.ReadAllBytes(Path.Combine(dir.File("b"), file!)));
    }

    [Fact]
    public void A_different_seed_gives_a_different_subject_and_different_events()
    {
        var options = SyntheticDataFixture.SmallOptions with { Users = 2 };

        var first = new SyntheticGestureGenerator(options).GenerateRecording(1, "fluorescent");
        var second = new SyntheticGestureGenerator(options with { Seed = 43 }).GenerateRecording(1, "fluorescent");

        Assert.NotEqual(first.Events.Count, second.Events.Count);
        Assert.NotEqual(first.Events.X.ToArray().Take(1000), second.Events.X.ToArray().Take(1000));
    }

    [Fact]
    public void Users_and_lighting_conditions_change_the_recording()
    {
        var generator = new SyntheticGestureGenerator(SyntheticDataFixture.SmallOptions with { Lightings = ["led", "natural"] });

        var led = generator.GenerateRecording(1, "led");
        var natural = generator.GenerateRecording(1, "natural");
        var otherUser = generator.GenerateRecording(2, "led");

        Assert.NotEqual(led.Events.Count, natural.Events.Count);
        Assert.NotEqual(led.Events.Count, otherUser.Events.Count);
    }

    [Fact]
    public void Labels_cover_the_gestures_between_the_transitions()
    {
        var options = SyntheticDataFixture.SmallOptions with { RepetitionsPerClass = 2 };

        var recording = new SyntheticGestureGenerator(options).GenerateRecording(1, "lab");

        Assert.Equal(22, recording.Labels.Count);
        Assert.All(recording.Labels, l => Assert.Equal(400_000, l.DurationUs));
        Assert.Equal(500_000, recording.Labels[1].StartUs - recording.Labels[0].StartUs);
        Assert.Equal(recording.Labels.Select(l => l.ClassIndex), Enumerable.Range(0, 22).Select(i => i % 11));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(6, 6)]
    [InlineData(29, 2)]
    public void Inconsistent_user_counts_are_rejected(int users, int testUsers)
    {
        Assert.ThrowsAny<Neuro.Core.Errors.NeuroException>(() =>
            new SyntheticGestureGenerator(new SyntheticGestureOptions { Users = users, TestUsers = testUsers }));
    }

    [Fact]
    public void An_unknown_lighting_condition_lists_the_known_ones()
    {
        var error = Assert.Throws<DataOptionsException>(() => new SyntheticGestureOptions { Lightings = ["disco"] });

        Assert.Contains("fluorescent, fluorescent_led, lab, led, natural", error.Message);
    }
}
