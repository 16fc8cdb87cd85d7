using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Data.Gestures;
using Neuro.Link;
using Neuro.Link.Transport;
using Neuro.Program;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary>
/// The serial-link verbs (docs/protocol.md): <c>neuro board info</c>, <c>neuro deploy</c> and <c>neuro stream</c>.
/// <c>--port</c> is a device path (a real tty or a pty) or <c>tcp:HOST:PORT</c>.
/// </summary>
public static class LinkCommands
{
    private static Option<string> PortOption() =>
        new("--port") { Description = "Serial device path (e.g. /dev/ttyACM0 or a pty) or tcp:HOST:PORT", Required = true };

    private static Option<int> BaudOption() =>
        new("--baud") { Description = "Baud rate of a serial port", DefaultValueFactory = _ => LinkPorts.DefaultBaudRate };

    private static Option<int> RtoOption() =>
        new("--rto")
        {
            Description = "Initial retransmission timeout in ms: raise it (e.g. 1000) on slow lines such as QEMU boards or 115200 baud, " +
                          "where a window of frames takes longer than the default to cross",
            DefaultValueFactory = _ => (int)new LinkSessionSettings().RetransmitTimeout.TotalMilliseconds,
        };

    public sealed record BoardInfoReport(BoardInfo Info, BoardStats Stats, string ActiveHash);

    /// <summary><c>board info --port P</c>: added to the <c>board</c> command beside <c>list</c> and <c>run</c>.</summary>
    public static Command CreateBoardInfo(CliContext context)
    {
        var port = PortOption();
        var baud = BaudOption();
        var rto = RtoOption();
        var json = JsonOutput.CreateOption();
        var command = new Command("info", "Show a board's firmware, limits, active program and link counters") { port, baud, rto, json };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var session = await OpenAsync(parseResult.GetValue(port)!, parseResult.GetValue(baud), parseResult.GetValue(rto), cancellationToken);
            var stats = await session.GetStatsAsync(cancellationToken);
            var report = new BoardInfoReport(session.Info, stats, Convert.ToHexString(session.Info.ProgramHash).ToLowerInvariant());
            return JsonOutput.Report(context, parseResult.GetValue(json), report, RenderInfo);
        });
        return command;
    }

    private static void RenderInfo(IAnsiConsole console, BoardInfoReport report)
    {
        var info = report.Info;
        console.MarkupLine($"[bold]{Markup.Escape(info.Name)}[/]  firmware {info.FirmwareMajor}.{info.FirmwareMinor}  " +
                           $"capabilities {info.Capabilities}  max payload {info.MaxPayload} B  rx credits {info.RxCredits}");
        if (info.IsBaked)
        {
            console.MarkupLine(info.HasProgram
                ? $"baked program: {Count(info.ProgramBytes)} B, sha256 {report.ActiveHash}"
                : "baked program failed to load (see the board's banner)");
            console.MarkupLine("no program slots: this firmware refuses deploys (flash a loader firmware to deploy over the link)");
        }
        else
        {
            console.MarkupLine(info.HasProgram
                ? $"active slot {info.ActiveSlot}: {Count(info.ProgramBytes)} B, sha256 {report.ActiveHash}"
                : "no program deployed");
            console.MarkupLine($"slots of {Count(info.SlotBytes)} B; deploy counter {info.Counter}; unfinished upload {Count(info.PendingUploadBytes)} B");
        }
        var s = report.Stats;
        console.MarkupLine($"board link counters: {s.FramesOk} frames, {s.CrcErrors} CRC errors, {s.FrameErrors} framing errors, " +
                           $"{s.Duplicates} duplicates, {s.OutOfOrder} out of order, {s.NaksSent} NAKs, {s.RepliesResent} replies resent, " +
                           $"{s.Overruns} overruns; {s.Events} events, {s.Samples} samples");
    }

    public static Command CreateDeploy(CliContext context)
    {
        var file = new Argument<FileInfo>("program") { Description = "A spike program file (.nsp)" };
        var port = PortOption();
        var baud = BaudOption();
        var rto = RtoOption();
        var key = new Option<FileInfo?>("--key") { Description = "The board's deploy key file (hex); required by boards with a key" };
        var json = JsonOutput.CreateOption();
        var command = new Command("deploy", "Upload a program into the board's inactive slot and switch to it atomically") { file, port, baud, rto, key, json };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(file)!.FullName;
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            ProgramVerifier.Verify(SpikeProgramFile.Read(bytes, path)); // refuse a bad program before touching the board
            var boardKey = parseResult.GetValue(key) is { } keyFile ? BoardKey.Load(keyFile.FullName) : null;
            await using var session = await OpenAsync(parseResult.GetValue(port)!, parseResult.GetValue(baud), parseResult.GetValue(rto), cancellationToken);
            DeployResult result;
            if (context.Interactive)
            {
                result = null!;
                await context.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"deploy {Markup.Escape(Path.GetFileName(path))}", maxValue: bytes.Length);
                        result = await DeployClient.DeployAsync(session, bytes, boardKey, new Bar(task), cancellationToken);
                    });
            }
            else
            {
                result = await DeployClient.DeployAsync(session, bytes, boardKey, null, cancellationToken);
            }
            return JsonOutput.Report(context, parseResult.GetValue(json), result, (console, r) => console.MarkupLine(r.AlreadyActive
                ? $"already active on {Markup.Escape(session.Info.Name)} (slot {r.Slot}); nothing sent"
                : $"deployed {Count(r.ProgramBytes)} B to slot {r.Slot} of {Markup.Escape(session.Info.Name)} in {r.Elapsed.TotalSeconds:F2} s" +
                  (r.ResumedFrom > 0 ? $" (resumed at {Count(r.ResumedFrom)} B)" : "") +
                  $"; {Count(r.WireBytes)} B on the wire ({r.Efficiency:P1} program bytes); counter {r.Counter}"));
        });
        return command;
    }

    public sealed record StreamReport(
        int Samples, int Correct, double Accuracy, double MeanLatencyMs, double P95LatencyMs, double MeanCycles,
        long Events, long EventBytes, long WireBytes, double WireBytesPerEvent, double EventsPerSecond,
        IReadOnlyDictionary<EventEncoding, int> Encodings, LinkCounters Host, BoardStats Board);

    public static Command CreateStream(CliContext context)
    {
        var port = PortOption();
        var baud = BaudOption();
        var rto = RtoOption();
        var program = new Option<FileInfo>("--program") { Description = "The .nsp running on the board (for its input spec)", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "DVS128 Gesture folder (trials lists, .aedat and _labels.csv)", Required = true };
        var samples = new Option<int>("--samples") { Description = "Samples of the test split to stream (0: all)", DefaultValueFactory = _ => 0 };
        var realtime = new Option<bool>("--realtime") { Description = "Pace each sample's time steps at the recording's speed" };
        var json = JsonOutput.CreateOption();
        var command = new Command("stream", "Stream DVS128 Gesture test samples to the board; report accuracy, latency, cycles and link cost")
            { port, baud, rto, program, data, samples, realtime, json };
        VerbAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var programPath = parseResult.GetValue(program)!.FullName;
            var programBytes = await File.ReadAllBytesAsync(programPath, cancellationToken);
            var input = SpikeProgramFile.Read(programBytes, programPath).Input;
            var dataset = DvsGestureDataset.Open(parseResult.GetValue(data)!.FullName);
            var framing = ProgramFraming.For(input);
            if (framing.FrameHeight != input.Height || framing.FrameWidth != input.Width || input.Channels != 2)
            {
                throw new LinkException($"{programPath}: input {input.Channels}x{input.Height}x{input.Width} is not DVS128 framing " +
                                        $"(2x{framing.FrameHeight}x{framing.FrameWidth} at downsample {input.Downsample})");
            }
            await using var session = await OpenAsync(parseResult.GetValue(port)!, parseResult.GetValue(baud), parseResult.GetValue(rto), cancellationToken);
            if (!session.Info.ProgramHash.AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(programBytes)))
            {
                throw new LinkException($"board '{session.Info.Name}' does not run {Path.GetFileName(programPath)}: deploy it first");
            }
            var client = new StreamClient(session, input);
            int limit = parseResult.GetValue(samples);
            var all = dataset.EnumerateFramed(DvsGestureSplit.Test, framing, cancellationToken);
            var chosen = (limit > 0 ? all.Take(limit) : all).ToList();
            var results = new List<(StreamedSample Streamed, int Label)>();
            async Task RunAll(ProgressTask? task)
            {
                foreach (var sample in chosen)
                {
                    var bytes = ProgramFraming.ToSample(sample.Frames, input);
                    TimeSpan? period = parseResult.GetValue(realtime)
                        ? StreamClient.StepPeriod(sample.StartUs, sample.EndUs, input.TimeSteps)
                        : null;
                    results.Add((await client.RunSampleAsync((uint)results.Count, bytes, period, cancellationToken), sample.ClassIndex));
                    task?.Increment(1);
                }
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (context.Interactive)
            {
                await context.Console.Progress().StartAsync(async p => await RunAll(p.AddTask("stream", maxValue: chosen.Count)));
            }
            else
            {
                await RunAll(null);
            }
            var elapsed = clock.Elapsed;
            var stats = await session.GetStatsAsync(cancellationToken);
            var report = Summarise(results, elapsed, session.Counters.Snapshot(), stats);
            return JsonOutput.Report(context, parseResult.GetValue(json), report, RenderStream);
        });
        return command;
    }

    /// <summary>A sample's T frames, each C·H·W bytes: what one EVENTS message per step carries.</summary>
    private static StreamReport Summarise(List<(StreamedSample Streamed, int Label)> results, TimeSpan elapsed, LinkCounters host, BoardStats board)
    {
        int n = results.Count;
        var latencies = results.Select(r => r.Streamed.Latency.TotalMilliseconds).Order().ToArray();
        long events = results.Sum(r => r.Streamed.Events), wire = results.Sum(r => r.Streamed.WireBytes);
        var encodings = new Dictionary<EventEncoding, int>();
        foreach (var (streamed, _) in results)
        {
            foreach (var (e, count) in streamed.Encodings) encodings[e] = encodings.GetValueOrDefault(e) + count;
        }
        int correct = results.Count(r => r.Streamed.Result.Predicted == r.Label);
        return new StreamReport(n, correct, n == 0 ? 0 : correct / (double)n, n == 0 ? 0 : latencies.Average(),
            n == 0 ? 0 : latencies[Math.Min(n - 1, (int)Math.Ceiling(0.95 * n) - 1)],
            n == 0 ? 0 : results.Average(r => (double)r.Streamed.Result.Cycles), events, results.Sum(r => r.Streamed.EventBytes), wire,
            events == 0 ? 0 : wire / (double)events, events / Math.Max(elapsed.TotalSeconds, 1e-9), encodings, host, board);
    }

    private static void RenderStream(IAnsiConsole console, StreamReport r)
    {
        console.MarkupLine($"[bold]{r.Samples}[/] samples: accuracy [bold]{r.Accuracy:P1}[/] ({r.Correct}/{r.Samples})");
        console.MarkupLine($"latency mean {r.MeanLatencyMs:F1} ms, p95 {r.P95LatencyMs:F1} ms; board cycles per sample {r.MeanCycles:N0}");
        console.MarkupLine($"{Count(r.Events)} events, {r.EventsPerSecond:N0} events/s, {r.WireBytesPerEvent:F3} wire B/event " +
                           $"(event data {Count(r.EventBytes)} B of {Count(r.WireBytes)} B on the wire); encodings " +
                           string.Join(", ", r.Encodings.Select(e => $"{e.Key} {e.Value}")));
        console.MarkupLine($"host: {r.Host.Retransmits} retransmits, {r.Host.Timeouts} timeouts, {r.Host.NaksReceived} NAKs, " +
                           $"{r.Host.CrcErrors} CRC errors; board: {r.Board.CrcErrors} CRC errors, {r.Board.Duplicates} duplicates, " +
                           $"{r.Board.Overruns} overruns");
    }

    private static async Task<LinkSession> OpenAsync(string port, int baud, int rtoMs, CancellationToken cancellationToken)
    {
        if (rtoMs <= 0)
        {
            throw new LinkException($"--rto {rtoMs}: the retransmission timeout must be a positive number of milliseconds");
        }
        var defaults = new LinkSessionSettings();
        var rto = TimeSpan.FromMilliseconds(rtoMs);
        var settings = defaults with { RetransmitTimeout = rto, MaxRetransmitTimeout = rto > defaults.MaxRetransmitTimeout ? rto : defaults.MaxRetransmitTimeout };
        var transport = await LinkPorts.OpenAsync(port, baud, cancellationToken);
        return await LinkSession.OpenAsync(transport, settings, cancellationToken);
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Reports synchronously into the bar (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Bar(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }
}
