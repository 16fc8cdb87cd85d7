using System.Diagnostics;
using System.Security.Cryptography;
using Neuro.Link.Tests.Support;
using Neuro.Link.Transport;
using Neuro.FirmwareGen;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>
/// The firmware <c>neuro firmware</c> generates (loader shape, link protocol, key provisioned from a key file) on the
/// host board and on QEMU's mps2-an386 (Cortex-M4, <c>-icount shift=0</c>), driven through its pseudo-terminal by
/// DeployClient and StreamClient: results equal the reference interpreter's, bad deploys are refused without
/// disturbing the running program, and an upload cut mid-way resumes.
/// </summary>
public class GeneratedFirmwareLinkTests(GeneratedFirmware firmware, ITestOutputHelper log) : IClassFixture<GeneratedFirmware>
{
    public static TheoryData<string> Boards() => new(GeneratedFirmware.Boards);

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task Deployed_random_programs_stream_results_equal_to_the_reference_interpreter(string name)
    {
        using var board = await firmware.StartAsync(name);
        long events = 0;
        var streaming = new Stopwatch();
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var program = RandomProgramGenerator.Generate(seed);
            var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));
            await using var session = await GeneratedFirmware.ConnectAsync(board);
            var deploy = await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(program), GeneratedFirmware.Key);
            Assert.False(deploy.AlreadyActive);
            var client = new StreamClient(session, program.Input);
            for (uint s = 0; s < 4; s++)
            {
                var sample = RandomProgramGenerator.Sample(program, seed * 100 + s);
                streaming.Start();
                var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(program, sample));
                streaming.Stop();
                events += streamed.Events;
                AssertSameAsReference(reference.Run(sample), s, streamed.Result);
                log.WriteLine($"{name} seed {seed} sample {s}: {streamed.Events} events, latency {streamed.Latency.TotalMilliseconds:F1} ms, "
                    + $"board cycles {streamed.Result.Cycles}");
            }
        }
        log.WriteLine($"{name}: {events} events in {streaming.Elapsed.TotalMilliseconds:F0} ms of streaming = {events / streaming.Elapsed.TotalSeconds:F0} events/s");
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task Tampered_wrongly_signed_and_unsigned_programs_are_refused_and_the_previous_program_keeps_answering(string name)
    {
        using var board = await firmware.StartAsync(name);
        var program = RandomProgramGenerator.Generate(5);
        byte[] good = SpikeProgramFile.ToBytes(program);
        await using (var session = await GeneratedFirmware.ConnectAsync(board))
            await DeployClient.DeployAsync(session, good, GeneratedFirmware.Key);

        byte[] tampered = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(6));
        tampered[^1] ^= 0x01; // signed by the right key, but the body no longer matches the hash in its own header
        var other = new BoardKey(Enumerable.Repeat((byte)0x42, 32).ToArray());
        await using (var session = await GeneratedFirmware.ConnectAsync(board))
        {
            var refused = await Assert.ThrowsAsync<BoardRefusedException>(() => DeployClient.DeployAsync(session, tampered, GeneratedFirmware.Key));
            Assert.Equal(BoardError.LoadFailed, refused.Code);
            var wrongKey = await Assert.ThrowsAsync<BoardRefusedException>(() => DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(6)), other));
            Assert.Equal(BoardError.BadTag, wrongKey.Code);
            // The host refuses to send an unsigned deploy to a board that announces a key; the board refuses it too.
            byte[] other6 = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(6));
            var local = await Assert.ThrowsAsync<LinkException>(() => DeployClient.DeployAsync(session, other6, null));
            Assert.Contains("only accepts signed programs", local.Message);
            var begin = new BeginRequest(false, (uint)other6.Length, session.Info.Counter + 1, SHA256.HashData(other6), new byte[32]);
            var unsigned = await Assert.ThrowsAsync<BoardRefusedException>(async () =>
                LinkSession.Expect(await session.RequestAsync(MessageType.Begin, begin.Encode(), CancellationToken.None), MessageType.UploadStatus, "BEGIN"));
            Assert.Equal(BoardError.AuthRequired, unsigned.Code);
        }

        await using var after = await GeneratedFirmware.ConnectAsync(board);
        Assert.Equal(SHA256.HashData(good), after.Info.ProgramHash);
        var sample = RandomProgramGenerator.Sample(program, 77);
        var streamed = await new StreamClient(after, program.Input).RunAsync(9, GeneratedFirmware.Frames(program, sample));
        AssertSameAsReference(new ReferenceInterpreter(ProgramVerifier.Verify(program)).Run(sample), 9, streamed.Result);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task An_upload_cut_mid_way_keeps_the_old_program_and_resumes_to_completion_in_the_next_session(string name)
    {
        using var board = await firmware.StartAsync(name);
        var oldProgram = RandomProgramGenerator.Generate(7);
        byte[] old = SpikeProgramFile.ToBytes(oldProgram);
        await using (var session = await GeneratedFirmware.ConnectAsync(board))
            await DeployClient.DeployAsync(session, old, GeneratedFirmware.Key);
        var newProgram = BigProgram(inFeatures: 32, outFeatures: 256); // ~8 KiB: several 1,020-byte chunks
        byte[] fresh = SpikeProgramFile.ToBytes(newProgram);

        int chunks = 0;
        var line = new CuttingTransport(GeneratedFirmware.Open(board), frame => frame.Type == MessageType.Chunk && chunks++ == 4);
        await Assert.ThrowsAnyAsync<LinkException>(async () =>
        {
            await using var session = await LinkSession.OpenAsync(line, GeneratedFirmware.Settings);
            await DeployClient.DeployAsync(session, fresh, GeneratedFirmware.Key);
        });
        Assert.True(line.IsCut);

        await using (var session = await GeneratedFirmware.ConnectAsync(board))
        {
            Assert.Equal(SHA256.HashData(old), session.Info.ProgramHash);
            uint pending = session.Info.PendingUploadBytes;
            Assert.InRange(pending, 1u, 4u * 1020u);
            var resumed = await DeployClient.DeployAsync(session, fresh, GeneratedFirmware.Key);
            Assert.Equal(pending, resumed.ResumedFrom);
            log.WriteLine($"{name}: cut after {resumed.ResumedFrom} of {fresh.Length} bytes, resumed from there");
        }
        await using var after = await GeneratedFirmware.ConnectAsync(board);
        Assert.Equal(SHA256.HashData(fresh), after.Info.ProgramHash);
        var sample = Binary(newProgram.Input, seed: 3);
        var streamed = await new StreamClient(after, newProgram.Input).RunAsync(1, GeneratedFirmware.Frames(newProgram, sample));
        AssertSameAsReference(new ReferenceInterpreter(ProgramVerifier.Verify(newProgram)).Run(sample), 1, streamed.Result);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task A_256_KiB_program_deploys_and_answers_like_the_reference(string name)
    {
        using var board = await firmware.StartAsync(name);
        var program = BigProgram(inFeatures: 512, outFeatures: 512);
        byte[] bytes = SpikeProgramFile.ToBytes(program);
        Assert.True(bytes.Length >= 256 * 1024, $"{bytes.Length} bytes");

        await using var session = await GeneratedFirmware.ConnectAsync(board);
        var deploy = await DeployClient.DeployAsync(session, bytes, GeneratedFirmware.Key);
        log.WriteLine($"{name}: {bytes.Length:N0}-byte program deployed in {deploy.Elapsed.TotalMilliseconds:F0} ms "
            + $"({bytes.Length / deploy.Elapsed.TotalSeconds / 1024:F1} KiB/s, {deploy.Efficiency:P1} payload/wire, {session.Counters.Retransmits} retransmits)");

        var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));
        var client = new StreamClient(session, program.Input);
        for (uint s = 0; s < 2; s++)
        {
            var sample = Binary(program.Input, seed: (int)s);
            var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(program, sample));
            AssertSameAsReference(reference.Run(sample), s, streamed.Result);
            log.WriteLine($"{name}: sample {s}: {streamed.Events} events, board cycles {streamed.Result.Cycles}, latency {streamed.Latency.TotalMilliseconds:F0} ms");
        }
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task Dvs_sized_frames_stream_at_a_measured_rate_with_results_equal_to_the_reference(string name)
    {
        using var board = await firmware.StartAsync(name);
        // 2×32×32 count frames (DVS128 at downsample 4), T = 4, ~20 % of the cells carrying 1–4 events.
        var input = new InputSpec(2, 32, 32, 4, FrameEncoding.Counts, SplitMode.Time, 4, 128, 128);
        var random = new Random(11);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-3, 4))];
        var b = new ProgramBuilder("dvs-32x32", input);
        int x = b.Lif("sps.lif", b.Conv2d("sps.conv", b.Input, 4, Weights(4 * 2 * 9), dense: true), [8], IntegerMath.MaxLeak);
        x = b.ToTokens("sps.tokens", b.MaxPool("sps.pool1", b.MaxPool("sps.pool0", x)));
        b.Readout("head", x, 11, Weights(11 * 4));
        var program = b.Build();
        var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));

        await using var session = await GeneratedFirmware.ConnectAsync(board);
        await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(program), GeneratedFirmware.Key);
        var client = new StreamClient(session, program.Input);
        long events = 0, wire = 0, eventBytes = 0;
        ulong cycles = 0;
        var clock = Stopwatch.StartNew();
        const int samples = 5;
        for (uint s = 0; s < samples; s++)
        {
            var sample = new byte[input.TimeSteps * input.FrameLength];
            for (int i = 0; i < sample.Length; i++)
                sample[i] = (byte)(random.Next(5) == 0 ? random.Next(1, 5) : 0);
            var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(program, sample));
            AssertSameAsReference(reference.Run(sample), s, streamed.Result);
            events += streamed.Events;
            wire += streamed.WireBytes;
            eventBytes += streamed.EventBytes;
            Assert.True(streamed.Result.Cycles > 0, "the board reports the cycles its runtime spent");
            cycles += streamed.Result.Cycles;
        }
        clock.Stop();
        log.WriteLine($"{name}: {events:N0} events in {clock.Elapsed.TotalMilliseconds:F0} ms = {events / clock.Elapsed.TotalSeconds:N0} events/s; "
            + $"{wire / (double)events:F2} wire B/event ({eventBytes / (double)wire:P1} event data/wire); board cycles per sample {cycles / samples:N0}; "
            + $"{session.Counters.Retransmits} retransmits");
    }

    /// <summary>
    /// While the board computes a step (its main loop blocked), the host keeps sending the frames its credit admits; the
    /// UART's interrupt-fed ring alone holds them. A ring smaller than the credit (the HAL's 256 B default) dropped bytes
    /// here: 17 frame errors, 32 out-of-order requests and 36 NAKs over 6 gesture samples on mps2-an386, 5.5 s per sample
    /// in retransmission timeouts instead of 0.2 s. On a clean line no byte may be lost: no damaged frame, no gap, no NAK.
    /// (A retransmission alone is no loss: under load a step can outlast the host's RTO, and the board answers the
    /// duplicate from its reply cache.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Boards))]
    public async Task A_board_busy_computing_loses_no_byte_of_the_frames_its_credit_admits(string name)
    {
        using var board = await firmware.StartAsync(name);
        var input = new InputSpec(2, 32, 32, 6, FrameEncoding.Counts, SplitMode.Time, 4, 128, 128);
        var random = new Random(5);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-3, 4))];
        var b = new ProgramBuilder("busy-32x32", input);
        int x = b.Lif("conv0.lif", b.Conv2d("conv0", b.Input, 16, Weights(16 * 2 * 9), dense: true), [2], IntegerMath.MaxLeak);
        x = b.Lif("conv1.lif", b.Conv2d("conv1", x, 32, Weights(32 * 16 * 9)), [2], IntegerMath.MaxLeak);
        b.Readout("head", b.ToTokens("tokens", b.MaxPool("pool1", b.MaxPool("pool0", x))), 11, Weights(11 * 32));
        var program = b.Build();
        var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));

        await using var session = await GeneratedFirmware.ConnectAsync(board);
        await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(program), GeneratedFirmware.Key);
        var before = await session.GetStatsAsync(CancellationToken.None);
        long retransmitsBefore = session.Counters.Retransmits;
        var client = new StreamClient(session, program.Input);
        for (uint s = 0; s < 3; s++)
        {
            var sample = new byte[input.TimeSteps * input.FrameLength];
            for (int i = 0; i < sample.Length; i++)
                sample[i] = (byte)(random.Next(3) == 0 ? random.Next(1, 5) : 0);
            var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(program, sample));
            AssertSameAsReference(reference.Run(sample), s, streamed.Result);
        }
        var after = await session.GetStatsAsync(CancellationToken.None);
        log.WriteLine($"{name}: board {after}; host retransmits {session.Counters.Retransmits - retransmitsBefore}");
        Assert.Equal(before.FrameErrors, after.FrameErrors);
        Assert.Equal(before.CrcErrors, after.CrcErrors);
        Assert.Equal(before.OutOfOrder, after.OutOfOrder);
        Assert.Equal(before.NaksSent, after.NaksSent);
    }

    [Fact]
    public async Task The_netduino_loader_runs_deployed_programs_within_its_128_KiB_of_sram_like_the_reference()
    {
        using var board = await firmware.StartAsync(GeneratedFirmware.SmallBoard);
        // What the loader leaves programs once its RAM slots and the link are counted (13,312 B of arena here).
        long arena = ProgramCapacity.Of(board.Board, FirmwareShape.Loader).ArenaBytes;
        long ArenaOf(ulong seed) => ProgramNeeds.Of(SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(seed)), $"seed {seed}").ArenaBytes;
        var fitting = Enumerable.Range(1, 60).Select(i => (ulong)i).Where(seed => ArenaOf(seed) <= arena).Take(2).ToList();
        ulong tooLargeArena = Enumerable.Range(1, 60).Select(i => (ulong)i).First(seed => ArenaOf(seed) > arena);
        Assert.Equal(2, fitting.Count);
        foreach (ulong seed in fitting)
        {
            var program = RandomProgramGenerator.Generate(seed);
            var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));
            await using var session = await GeneratedFirmware.ConnectAsync(board);
            Assert.Equal(GeneratedFirmware.SmallBoard, session.Info.Name);
            await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(program), GeneratedFirmware.Key);
            var client = new StreamClient(session, program.Input);
            for (uint s = 0; s < 2; s++)
            {
                var sample = RandomProgramGenerator.Sample(program, seed * 10 + s);
                var streamed = await client.RunAsync(s, GeneratedFirmware.Frames(program, sample));
                AssertSameAsReference(reference.Run(sample), s, streamed.Result);
            }
        }
        // A program whose buffers exceed the loader's arena is refused at COMMIT; the previous one stays active.
        await using var last = await GeneratedFirmware.ConnectAsync(board);
        var active = last.Info.ProgramHash;
        var noRoom = await Assert.ThrowsAsync<BoardRefusedException>(() =>
            DeployClient.DeployAsync(last, SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(tooLargeArena)), GeneratedFirmware.Key));
        Assert.Equal(BoardError.LoadFailed, noRoom.Code);
        Assert.Contains("arena", noRoom.BoardText);
        // A program larger than its 32 KiB slot is refused on the host before any byte is sent.
        var tooLarge = await Assert.ThrowsAsync<LinkException>(() =>
            DeployClient.DeployAsync(last, SpikeProgramFile.ToBytes(BigProgram(inFeatures: 64, outFeatures: 1024)), GeneratedFirmware.Key));
        Assert.Contains("does not fit", tooLarge.Message);
        // Close this session first: two sessions reading one pty race for the board's replies.
        await last.DisposeAsync();
        await using var after = await GeneratedFirmware.ConnectAsync(board);
        Assert.Equal(active, after.Info.ProgramHash);
    }

    [Fact]
    public async Task On_a_line_with_one_percent_corruption_drops_and_duplicates_every_result_arrives_once_and_equals_the_reference()
    {
        using var board = await firmware.StartAsync("host");
        var program = RandomProgramGenerator.Generate(9);
        var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));
        var rates = new FaultRates(Corrupt: 0.01, Drop: 0.01, Duplicate: 0.01);
        var faulty = new FaultInjectingTransport(GeneratedFirmware.Open(board), rates, rates, seed: 13);
        await using var session = await LinkSession.OpenAsync(faulty, new LinkSessionSettings { RetransmitTimeout = TimeSpan.FromMilliseconds(50) });
        await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(program), GeneratedFirmware.Key);
        var client = new StreamClient(session, program.Input);
        const int samples = 80;
        for (uint s = 0; s < samples; s++)
        {
            var sample = RandomProgramGenerator.Sample(program, 900 + s);
            AssertSameAsReference(reference.Run(sample), s, (await client.RunAsync(s, GeneratedFirmware.Frames(program, sample))).Result);
        }
        var stats = await session.GetStatsAsync(CancellationToken.None);
        Assert.Equal((uint)samples, stats.Samples); // each sample ran exactly once on the board
        Assert.True(faulty.ToBoard.Dropped + faulty.ToHost.Dropped + faulty.ToBoard.Corrupted + faulty.ToHost.Corrupted > 0, "faults were injected");
        log.WriteLine($"to board: {faulty.ToBoard}; to host: {faulty.ToHost}; host: {session.Counters.Retransmits} retransmits, "
            + $"{session.Counters.Timeouts} timeouts, {session.Counters.NaksReceived} NAKs; board: {stats}");
    }

    private static void AssertSameAsReference(InterpreterResult expected, uint sampleId, SampleResult answer)
    {
        Assert.Equal(sampleId, answer.SampleId);
        Assert.Equal(expected.Logits, answer.Logits);
        Assert.Equal(expected.PredictedClass, answer.Predicted);
        Assert.Equal(expected.Counters.Select(c => (uint)c.Steps.Sum(step => step.OutputSum)), answer.SpikesPerLayer);
    }

    /// <summary>conv 2→C at 4×4, LIF, tokens, Linear C→O (C·O int8 weights: the bulk of the file), LIF, readout.</summary>
    private static SpikeProgram BigProgram(int inFeatures, int outFeatures)
    {
        var random = new Random(inFeatures * 7919 + outFeatures);
        sbyte[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-3, 4))];
        var input = new InputSpec(2, 4, 4, 2, FrameEncoding.Binary, SplitMode.Time, 1, 4, 4);
        var b = new ProgramBuilder($"big-{inFeatures}x{outFeatures}", input);
        int x = b.Lif("sps.lif", b.Conv2d("sps.conv", b.Input, inFeatures, Weights(inFeatures * 2 * 9)), [3], IntegerMath.MaxLeak);
        x = b.ToTokens("sps.tokens", x);
        x = b.Lif("fc.lif", b.Linear("fc", x, outFeatures, Weights(inFeatures * outFeatures)), [4], IntegerMath.MaxLeak);
        b.Readout("head", x, 11, Weights(11 * outFeatures));
        return b.Build();
    }

    private static byte[] Binary(InputSpec input, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, input.TimeSteps * input.FrameLength).Select(_ => (byte)(random.Next(3) == 0 ? 1 : 0))];
    }
}
