using Neuro.Link.Tests.Support;
using Neuro.Link.Transport;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>The host library against the C board state machine (firmware-gen/runtime/link) built with gcc.</summary>
public class BoardLinkTests(ITestOutputHelper output)
{
    private const string KeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static readonly BoardKey Key = new(Convert.FromHexString(KeyHex));
    private static readonly LinkSessionSettings Fast = new() { RetransmitTimeout = TimeSpan.FromMilliseconds(60), Seed = 11 };

    private static async Task<List<SampleResult>> StreamAsync(LinkSession session, byte[] program, int samples, int seed)
    {
        var client = new StreamClient(session, FakeProgram.Input);
        var results = new List<SampleResult>();
        for (int s = 0; s < samples; s++)
        {
            var frames = FakeProgram.Frames(FakeProgram.Input, seed + s);
            var streamed = await client.RunAsync((uint)s, frames);
            Assert.True(streamed.Result.SameAs(FakeProgram.Expected((uint)s, program, frames)),
                $"sample {s}: the board computed on different frames than were sent");
            results.Add(streamed.Result);
        }
        return results;
    }

    [Fact]
    public async Task Closing_a_session_twice_is_harmless()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        await session.DisposeAsync();
        await session.DisposeAsync();
        await using var again = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 5 });
        Assert.False(again.Info.HasProgram);
    }

    [Fact]
    public async Task A_whole_sample_streams_as_its_frames_do_and_a_sample_of_the_wrong_length_is_refused()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        byte[] program = FakeProgram.Create(8_000, seed: 4);
        await DeployClient.DeployAsync(session, program, Key);
        var client = new StreamClient(session, FakeProgram.Input);
        var frames = FakeProgram.Frames(FakeProgram.Input, 21);

        var whole = await client.RunSampleAsync(0, [.. frames.SelectMany(frame => frame)]);

        Assert.True(whole.Result.SameAs(FakeProgram.Expected(0, program, frames)));
        await Assert.ThrowsAsync<LinkException>(() => client.RunSampleAsync(1, new byte[frames[0].Length]));
    }

    [Fact]
    public async Task Closing_a_session_whose_port_fails_on_close_does_not_throw()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        var session = await LinkSession.OpenAsync(new FailingCloseTransport(board.Connect()), Fast);
        await session.DisposeAsync();
    }

    /// <summary>A serial port whose board vanished: closing it cannot flush and throws, as SerialStream does.</summary>
    private sealed class FailingCloseTransport(ILinkTransport inner) : ILinkTransport
    {
        public string Description => inner.Description;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => inner.WriteAsync(bytes, cancellationToken);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(buffer, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            throw new OperationCanceledException("the port closed under the flush");
        }
    }

    [Fact]
    public async Task A_deployed_program_answers_every_streamed_sample_with_the_result_of_the_frames_sent()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        Assert.False(session.Info.HasProgram);
        Assert.True(session.Info.Capabilities.HasFlag(BoardCapabilities.AuthRequired));
        var program = FakeProgram.Create(20_000, seed: 1);
        var deploy = await DeployClient.DeployAsync(session, program, Key);
        Assert.False(deploy.AlreadyActive);
        await using var again = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 12 });
        Assert.True(again.Info.HasProgram);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(program), again.Info.ProgramHash);
        Assert.Equal(1u, again.Info.Counter);
        var results = await StreamAsync(again, program, 5, seed: 100);
        Assert.Equal(5, results.Count);
        var stats = await again.GetStatsAsync(default);
        Assert.Equal(0u, stats.Overruns);
        Assert.Equal(5u, stats.Samples);
    }

    [Fact]
    public async Task On_a_slow_line_the_timeout_adapts_to_the_measured_round_trip()
    {
        var program = FakeProgram.Create(8_000, seed: 3);
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        // Every reply is held back 120 ms, twice the 60 ms floor: a timeout fixed at the floor would resend every request
        // at least once. Load on a shared machine adds jitter, so a few retransmissions may remain; most requests must go once.
        var slow = new FaultInjectingTransport(board.Connect(), new FaultRates(), new FaultRates(Delay: 1, DelayBy: TimeSpan.FromMilliseconds(120)), seed: 3);
        await using var session = await LinkSession.OpenAsync(slow, Fast);
        await DeployClient.DeployAsync(session, program, Key);
        await StreamAsync(session, program, 3, seed: 40);
        long retransmitsBefore = session.Counters.Retransmits, framesBefore = session.Counters.FramesSent;

        var results = await StreamAsync(session, program, 3, seed: 41);

        long retransmits = session.Counters.Retransmits - retransmitsBefore;
        long requests = session.Counters.FramesSent - framesBefore - retransmits;
        Assert.Equal(3, results.Count);
        Assert.True(session.RetransmitTimeout > TimeSpan.FromMilliseconds(120), $"timeout stayed at {session.RetransmitTimeout}");
        Assert.True(retransmits < requests, $"{retransmits} retransmissions for {requests} requests");
    }

    [Fact]
    public async Task With_one_percent_corruption_drop_and_duplication_every_result_arrives_once_and_equals_the_fault_free_run()
    {
        var program = FakeProgram.Create(30_000, seed: 2);
        const int samples = 40;
        List<SampleResult> clean;
        await using (var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex))
        {
            board.Start();
            await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
            await DeployClient.DeployAsync(session, program, Key);
            clean = await StreamAsync(session, program, samples, seed: 500);
        }
        await using (var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex))
        {
            board.Start();
            var rates = new FaultRates(Corrupt: 0.01, Drop: 0.01, Duplicate: 0.01);
            var faulty = new FaultInjectingTransport(board.Connect(), rates, rates, seed: 7);
            await using var session = await LinkSession.OpenAsync(faulty, Fast);
            await DeployClient.DeployAsync(session, program, Key);
            var noisy = await StreamAsync(session, program, samples, seed: 500);
            Assert.Equal(samples, noisy.Count);
            for (int i = 0; i < samples; i++)
            {
                Assert.True(clean[i].SameAs(noisy[i]), $"sample {i} differs from the fault-free run");
            }
            var stats = await session.GetStatsAsync(default);
            Assert.Equal((uint)samples, stats.Samples); // each sample ran exactly once on the board
            // Every kind of fault happened in each direction, so each recovery path ran.
            Assert.All(new[] { faulty.ToBoard, faulty.ToHost }, c => Assert.True(c.Corrupted > 0 && c.Dropped > 0 && c.Duplicated > 0, c.ToString()));
            Assert.True(session.Counters.Retransmits > 0);
            output.WriteLine($"to board: {faulty.ToBoard}; to host: {faulty.ToHost}");
            output.WriteLine($"host: {session.Counters.Retransmits} retransmits, {session.Counters.Timeouts} timeouts, {session.Counters.NaksReceived} NAKs, {session.Counters.DuplicateReplies} duplicate replies, {session.Counters.CrcErrors} CRC errors");
            output.WriteLine($"board: {stats}");
        }
    }

    [Fact]
    public async Task Reordered_and_delayed_frames_still_give_every_result_once()
    {
        var program = FakeProgram.Create(8_000, seed: 3);
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        var rates = new FaultRates(Reorder: 0.03, Delay: 0.02, DelayBy: TimeSpan.FromMilliseconds(5), Duplicate: 0.02);
        var faulty = new FaultInjectingTransport(board.Connect(), rates, rates, seed: 9);
        await using var session = await LinkSession.OpenAsync(faulty, Fast);
        await DeployClient.DeployAsync(session, program, Key);
        var results = await StreamAsync(session, program, 6, seed: 900);
        Assert.Equal(6, results.Count);
        Assert.Equal(6u, (await session.GetStatsAsync(default)).Samples);
        Assert.True(faulty.ToBoard.Reordered > 0);
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_replayed_and_tampered_programs_are_refused_and_the_old_one_keeps_answering()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        var good = FakeProgram.Create(6_000, seed: 4);
        await using (var session = await LinkSession.OpenAsync(board.Connect(), Fast))
        {
            await DeployClient.DeployAsync(session, good, Key);
        }
        var evil = FakeProgram.Create(6_000, seed: 5);
        await using var s = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 99 });

        var unsigned = await Assert.ThrowsAsync<LinkException>(() => DeployClient.DeployAsync(s, evil, key: null));
        Assert.Contains("only accepts signed programs", unsigned.Message);

        // Bypassing the client's own check: the board itself refuses an unsigned BEGIN.
        var raw = new BeginRequest(false, (uint)evil.Length, 2, System.Security.Cryptography.SHA256.HashData(evil), new byte[32]);
        var refusal = Assert.Throws<BoardRefusedException>(() => LinkSession.Expect(
            s.RequestAsync(MessageType.Begin, raw.Encode(), default).Result, MessageType.UploadStatus, "BEGIN"));
        Assert.Equal(BoardError.AuthRequired, refusal.Code);

        var wrongKey = await Assert.ThrowsAsync<BoardRefusedException>(() =>
            DeployClient.DeployAsync(s, evil, new BoardKey(Enumerable.Repeat((byte)7, 32).ToArray())));
        Assert.Equal(BoardError.BadTag, wrongKey.Code);
        Assert.Contains("wrong key", wrongKey.Message);

        // A captured, validly signed BEGIN of the already-deployed counter is a replay.
        var hash = System.Security.Cryptography.SHA256.HashData(evil);
        var replay = new BeginRequest(true, (uint)evil.Length, 1, hash, Key.Tag(hash, 1, (uint)evil.Length));
        var replayed = Assert.Throws<BoardRefusedException>(() => LinkSession.Expect(
            s.RequestAsync(MessageType.Begin, replay.Encode(), default).Result, MessageType.UploadStatus, "BEGIN"));
        Assert.Equal(BoardError.Replay, replayed.Code);

        // Tampered in transit: the tag covers the announced hash, the bytes that arrive are not those.
        var tampered = (byte[])evil.Clone();
        var begin = new BeginRequest(true, (uint)evil.Length, 2, hash, Key.Tag(hash, 2, (uint)evil.Length));
        LinkSession.Expect(await s.RequestAsync(MessageType.Begin, begin.Encode(), default), MessageType.UploadStatus, "BEGIN");
        tampered[3000] ^= 0x40;
        for (int offset = 0; offset < tampered.Length; offset += 1000)
        {
            var chunk = new ChunkRequest((uint)offset, tampered.AsSpan(offset, Math.Min(1000, tampered.Length - offset)).ToArray());
            LinkSession.Expect(await s.RequestAsync(MessageType.Chunk, chunk.Encode(), default), MessageType.Ack, "CHUNK");
        }
        var mismatch = Assert.Throws<BoardRefusedException>(() =>
            LinkSession.Expect(s.RequestAsync(MessageType.Commit, [], default).Result, MessageType.Ack, "COMMIT"));
        Assert.Equal(BoardError.HashMismatch, mismatch.Code);

        // A signed program the runtime cannot load never becomes active either.
        var garbage = new byte[4000];
        new Random(6).NextBytes(garbage);
        var load = await Assert.ThrowsAsync<BoardRefusedException>(() => DeployClient.DeployAsync(s, garbage, Key));
        Assert.Equal(BoardError.LoadFailed, load.Code);
        Assert.Contains("bad magic", load.Message);

        await using var after = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 100 });
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(good), after.Info.ProgramHash);
        await StreamAsync(after, good, 1, seed: 1);
    }

    [Fact]
    public async Task A_program_larger_than_a_slot_is_refused_before_any_byte_is_sent()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        var e = await Assert.ThrowsAsync<LinkException>(() =>
            DeployClient.DeployAsync(session, new byte[session.Info.SlotBytes + 1], Key));
        Assert.Contains("262,145 bytes", e.Message);
        Assert.Contains("262,144", e.Message);
        Assert.Equal(1, session.Counters.FramesSent); // only the HELLO
    }

    [Fact]
    public async Task Deploying_the_active_program_again_sends_nothing()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        var program = FakeProgram.Create(3_000, seed: 8);
        await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        await DeployClient.DeployAsync(session, program, Key);
        await using var again = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 5 });
        Assert.True((await DeployClient.DeployAsync(again, program, Key)).AlreadyActive);
    }

    [Fact]
    public async Task An_unsigned_upload_to_a_keyless_board_resumes_and_an_aborted_one_is_forgotten()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), keyHex: null);
        board.Start();
        var first = FakeProgram.Create(5_000, seed: 41);
        var second = FakeProgram.Create(5_000, seed: 42);
        var third = FakeProgram.Create(5_000, seed: 43);
        await using (var session = await LinkSession.OpenAsync(board.Connect(), Fast))
        {
            Assert.False(session.Info.Capabilities.HasFlag(BoardCapabilities.AuthRequired));
            await DeployClient.DeployAsync(session, first, key: null);
        }
        async Task CutAfterTwoChunksAsync(byte[] program, int seed)
        {
            int chunks = 0;
            var line = new CuttingTransport(board.Connect(), f => f.Type == MessageType.Chunk && chunks++ == 2);
            await Assert.ThrowsAnyAsync<LinkException>(async () =>
            {
                await using var cut = await LinkSession.OpenAsync(line, Fast with { Seed = seed });
                await DeployClient.DeployAsync(cut, program, key: null);
            });
        }
        await CutAfterTwoChunksAsync(second, 3);
        await using (var session = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 4 }))
        {
            Assert.Equal(2040u, session.Info.PendingUploadBytes);
            Assert.Equal(2040u, (await DeployClient.DeployAsync(session, second, key: null)).ResumedFrom);
            Assert.Equal(0u, session.Info.Counter); // unsigned deploys never advance the replay counter
        }
        await CutAfterTwoChunksAsync(third, 5);
        await using (var session = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 6 }))
        {
            Assert.Equal(2040u, session.Info.PendingUploadBytes);
            await DeployClient.AbortAsync(session);
        }
        await using (var session = await LinkSession.OpenAsync(board.Connect(), Fast with { Seed = 7 }))
        {
            Assert.Equal(0u, session.Info.PendingUploadBytes);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(second), session.Info.ProgramHash);
            Assert.Equal(0u, (await DeployClient.DeployAsync(session, third, key: null)).ResumedFrom);
        }
    }
}
