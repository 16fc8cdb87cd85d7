using System.CommandLine;
using System.Text.Json;
using Neuro.Cli.Commands;
using Neuro.Cli.Infrastructure;

namespace Neuro.Cli.Tests;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "neuro-cli-data-tests", Guid.NewGuid().ToString("N"));

    public DataCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var command = DataCommand.Create(new CliContext(output, error, interactive: false));
        var exit = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string Synthesize()
    {
        var root = Path.Combine(_dir, "synth");
        var (exit, _, error) = Run("synth", "--out", root, "--users", "2", "--test-users", "1", "--seed", "5", "--duration", "0.3");
        Assert.True(exit == 0, error);
        return root;
    }

    [Fact]
    public void Synth_writes_a_DvsGesture_folder_and_prints_per_class_rates()
    {
        var root = Path.Combine(_dir, "synth");

        var (exit, output, _) = Run("synth", "--out", root, "--users", "2", "--test-users", "1", "--duration", "0.3");

        Assert.Equal(0, exit);
        Assert.Contains("air_guitar", output);
        Assert.Contains("wrote 2 recordings, 22 samples", output);
        Assert.True(File.Exists(Path.Combine(root, "user01_fluorescent.aedat")));
        Assert.Equal(["user24_fluorescent.aedat"], File.ReadAllLines(Path.Combine(root, "trials_to_test.txt")));
    }

    [Fact]
    public void Inspect_json_reports_format_counts_ranges_and_classes_from_the_labels_beside_the_file()
    {
        var root = Synthesize();

        var (exit, output, _) = Run("inspect", Path.Combine(root, "user24_fluorescent.aedat"), "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(output);
        var report = document.RootElement;
        Assert.Equal("Aedat31", report.GetProperty("format").GetString());
        Assert.Equal(128, report.GetProperty("width").GetInt32());
        var events = report.GetProperty("events").GetInt64();
        Assert.True(events > 10_000);
        Assert.Equal(events, report.GetProperty("onEvents").GetInt64() + report.GetProperty("offEvents").GetInt64());
        Assert.Equal(127, report.GetProperty("x").GetProperty("max").GetInt32());
        Assert.Equal(0, report.GetProperty("invalidEventsSkipped").GetInt64());
        var classes = report.GetProperty("classes");
        Assert.Equal(11, classes.GetArrayLength());
        Assert.All(classes.EnumerateArray(), c => Assert.Equal(1, c.GetProperty("samples").GetInt32()));
    }

    [Fact]
    public void Inspect_prints_a_table_for_people()
    {
        var root = Synthesize();

        var (exit, output, _) = Run("inspect", Path.Combine(root, "user01_fluorescent.aedat"));

        Assert.Equal(0, exit);
        Assert.Contains("Aedat31 (DVS128)", output);
        Assert.Contains("128 × 128", output);
        Assert.Contains("hand_clapping", output);
    }

    [Fact]
    public void Frames_writes_a_png_of_one_labelled_sample()
    {
        var root = Synthesize();
        var png = Path.Combine(_dir, "frames.png");

        var (exit, output, error) = Run("frames", Path.Combine(root, "user01_fluorescent.aedat"), "--T", "8", "--split", "time", "--downsample", "4", "--sample", "2", "--png", png);

        Assert.True(exit == 0, error);
        Assert.Contains("left_hand_wave", output);
        Assert.Contains("[8, 2, 32, 32]", output);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    [Fact]
    public void A_corrupt_file_is_one_error_line_with_exit_code_1()
    {
        var path = Path.Combine(_dir, "bad.aedat");
        File.WriteAllText(path, "not an event file");

        var (exit, _, error) = Run("inspect", path);

        Assert.Equal(1, exit);
        Assert.Equal($"error: {path}: at byte 0: wrong magic: expected '#!AER-DAT2.0', '#!AER-DAT3.1' or '#!AER-DAT4.0', found 'not an event file'", error.Trim());
    }

    [Fact]
    public void Invalid_synthesis_options_are_one_error_line()
    {
        var (exit, _, error) = Run("synth", "--out", Path.Combine(_dir, "x"), "--users", "40");

        Assert.Equal(1, exit);
        Assert.Contains("users must be 2–29", error);
    }

    [Fact]
    public void A_sample_index_past_the_labels_is_reported()
    {
        var root = Synthesize();

        var (exit, _, error) = Run("frames", Path.Combine(root, "user01_fluorescent.aedat"), "--sample", "99", "--png", Path.Combine(_dir, "x.png"));

        Assert.Equal(1, exit);
        Assert.Contains("there is no sample 99", error);
    }

    [Fact]
    public void The_root_command_has_the_data_verb()
    {
        var root = NeuroCli.BuildRootCommand(new CliContext(TextWriter.Null, TextWriter.Null, interactive: false));

        Assert.Contains(root.Subcommands, c => c.Name == "data");
    }
}
