using System.Security.Cryptography;
using Neuro.Core.Boards;
using Neuro.FirmwareGen;
using Neuro.Link.Tests.Support;
using Neuro.Link.Transport;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>Baked firmware (<c>neuro firmware --baked</c>) for the host board and QEMU's mps2-an386, built once per class.</summary>
public sealed class BakedFirmware : IAsyncLifetime
{
    public const ulong ProgramSeed = 4;
    public static readonly SpikeProgram Program = RandomProgramGenerator.Generate(ProgramSeed);
    public static readonly byte[] ProgramBytes = SpikeProgramFile.ToBytes(Program);

    private readonly Dictionary<string, string> _firmware = [];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"neuro-baked-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        foreach (string name in GeneratedFirmware.Boards)
        {
            var report = await FirmwareGenerator.GenerateAsync(
                new FirmwareRequest(BoardCatalog.Load(name), BoardCatalog.DirectoryOf(name), FirmwareShape.Baked, ProgramBytes, "seed 4",
                    Path.Combine(Root, name)),
                progress: null, CancellationToken.None);
            _firmware[name] = report.Firmware;
        }
    }

    public Task<EmulatedBoard> StartAsync(string board) =>
        EmulatedBoard.StartAsync(BoardCatalog.Load(board), _firmware[board], Path.Combine(Root, $"{board}-{Guid.NewGuid():N}.pty"),
            CancellationToken.None, instructionCounting: true);

    public Task DisposeAsync()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A baked firmware speaks the link like a loader: INFO names the baked program and no slots, samples stream with results
/// equal to the reference interpreter's, GET_STATS and RESET work, and a deploy is refused with ERROR BAKED, which the host
/// turns into a <see cref="BoardRefusedException"/> that says to flash a loader. The console still answers a person first.
/// </summary>
public class BakedFirmwareLinkTests(BakedFirmware firmware, ITestOutputHelper log) : IClassFixture<BakedFirmware>
{
    public static TheoryData<string> Boards() => new(GeneratedFirmware.Boards);

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task A_baked_firmware_reports_its_program_streams_reference_results_and_refuses_deploys(string name)
    {
        using var board = await firmware.StartAsync(name);
        var reference = new ReferenceInterpreter(ProgramVerifier.Verify(BakedFirmware.Program));
        await using (var session = await GeneratedFirmware.ConnectAsync(board))
        {
            var info = session.Info;
            Assert.True(info.IsBaked);
            Assert.True(info.HasProgram);
            Assert.Equal(BoardInfo.BakedSlot, info.ActiveSlot);
            Assert.Equal(0u, info.SlotBytes);
            Assert.Equal((uint)BakedFirmware.ProgramBytes.Length, info.ProgramBytes);
            Assert.Equal(SHA256.HashData(BakedFirmware.ProgramBytes), info.ProgramHash);
            Assert.False(info.Capabilities.HasFlag(BoardCapabilities.AuthRequired));

            var client = new StreamClient(session, BakedFirmware.Program.Input);
            for (uint s = 0; s < 3; s++)
            {
                var sample = RandomProgramGenerator.Sample(BakedFirmware.Program, 400 + s);
                var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(BakedFirmware.Program, sample));
                AssertSameAsReference(reference.Run(sample), s, streamed.Result);
            }

            byte[] other = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(5));
            var refused = await Assert.ThrowsAsync<BoardRefusedException>(() => DeployClient.DeployAsync(session, other, key: null));
            Assert.Equal(BoardError.Baked, refused.Code);
            Assert.Contains("baked in", refused.Message);
            Assert.Contains("loader firmware", refused.Message);
            log.WriteLine($"{name}: {refused.Message}");
            // The same program the board already runs is no deploy at all.
            Assert.True((await DeployClient.DeployAsync(session, BakedFirmware.ProgramBytes, key: null)).AlreadyActive);

            var stats = await session.GetStatsAsync(CancellationToken.None);
            Assert.Equal(3u, stats.Samples);
            Assert.Equal(1u, stats.ErrorsSent);
            LinkSession.Expect(await session.RequestAsync(MessageType.Reset, [], CancellationToken.None), MessageType.Ack, "RESET");
        }

        // After RESET the board starts over (counters cleared) with the baked program still answering.
        await using var after = await GeneratedFirmware.ConnectAsync(board);
        Assert.Equal(SHA256.HashData(BakedFirmware.ProgramBytes), after.Info.ProgramHash);
        Assert.Equal(0u, (await after.GetStatsAsync(CancellationToken.None)).Samples);
        var again = RandomProgramGenerator.Sample(BakedFirmware.Program, 499);
        var streamedAgain = await new StreamClient(after, BakedFirmware.Program.Input).RunAsync(7, GeneratedFirmware.Frames(BakedFirmware.Program, again));
        AssertSameAsReference(reference.Run(again), 7, streamedAgain.Result);
    }

    [Fact]
    public async Task Real_time_streaming_paces_a_sample_over_its_recording_span_and_unpaced_streaming_does_not()
    {
        using var board = await firmware.StartAsync("host");
        await using var session = await GeneratedFirmware.ConnectAsync(board);
        var program = BakedFirmware.Program;
        var client = new StreamClient(session, program.Input);
        var sample = RandomProgramGenerator.Sample(program, 600);
        // A recording whose events carry sensor timestamps from 2.0 s to 2.3 s: 300 ms of DVS time.
        var period = StreamClient.StepPeriod(2_000_000, 2_300_000, program.Input.TimeSteps);
        Assert.Equal(300.0 / program.Input.TimeSteps, period.TotalMilliseconds, 3);

        var paced = await client.RunAsync(1, GeneratedFirmware.Frames(program, sample), period);
        var unpaced = await client.RunAsync(2, GeneratedFirmware.Frames(program, sample));
        log.WriteLine($"{program.Input.TimeSteps} steps of {period.TotalMilliseconds:F1} ms: paced {paced.Latency.TotalMilliseconds:F1} ms, "
            + $"unpaced {unpaced.Latency.TotalMilliseconds:F1} ms");

        Assert.True(paced.Latency >= TimeSpan.FromMilliseconds(300), $"paced sample took {paced.Latency.TotalMilliseconds:F1} ms");
        Assert.True(unpaced.Latency < TimeSpan.FromMilliseconds(300), $"unpaced sample took {unpaced.Latency.TotalMilliseconds:F1} ms");
        Assert.Equal(paced.Result.Logits, unpaced.Result.Logits);
    }

    [Fact]
    public async Task The_console_answers_info_until_a_link_host_sends_its_first_delimiter()
    {
        using var board = await firmware.StartAsync("host");
        await using (var transport = LinkPorts.OpenSerial(board.SerialPath))
        {
            string banner = await ReadLineAsync(transport);
            Assert.Contains("source=baked status=ok", banner);
            await transport.WriteAsync("info\n"u8.ToArray(), CancellationToken.None);
            Assert.Equal(banner, (await ReadLineAsync(transport)).TrimStart('\0'));
        }
        await using var session = await GeneratedFirmware.ConnectAsync(board);
        Assert.True(session.Info.IsBaked);
        // The console line typed before the session is counted by the link as one framing error, nothing more.
        Assert.Equal(1u, (await session.GetStatsAsync(CancellationToken.None)).FrameErrors);
    }

    private static async Task<string> ReadLineAsync(ILinkTransport transport)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var line = new List<byte>();
        var buffer = new byte[1];
        while (true)
        {
            int n = await transport.ReadAsync(buffer, timeout.Token);
            if (n == 0)
                throw new EndOfStreamException("the board closed its serial port");
            if (buffer[0] == (byte)'\n')
                return System.Text.Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            line.Add(buffer[0]);
        }
    }

    private static void AssertSameAsReference(InterpreterResult expected, uint sampleId, SampleResult answer)
    {
        Assert.Equal(sampleId, answer.SampleId);
        Assert.Equal(expected.Logits, answer.Logits);
        Assert.Equal(expected.PredictedClass, answer.Predicted);
        Assert.Equal(expected.Counters.Select(c => (uint)c.Steps.Sum(step => step.OutputSum)), answer.SpikesPerLayer);
    }
}
