using System.Security.Cryptography;
using Neuro.Link.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>DESIGN.md invariant 6 against the C board: an interrupted deploy leaves the previous program answering.</summary>
public class DeployAtomicityTests(ITestOutputHelper output)
{
    private const string KeyHex = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
    private static readonly BoardKey Key = new(Convert.FromHexString(KeyHex));
    private static readonly LinkSessionSettings Fast = new() { RetransmitTimeout = TimeSpan.FromMilliseconds(60), MaxAttempts = 8 };
    private static readonly byte[] Old = FakeProgram.Create(5_000, seed: 21);
    private static readonly byte[] New = FakeProgram.Create(6_000, seed: 22);
    private const int ChunkBytes = Framing.Frame.MaxPayload - 4;
    private static readonly int Chunks = (New.Length + ChunkBytes - 1) / ChunkBytes;

    private static async Task<BoardProcess> BoardWithOldProgramAsync()
    {
        var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex);
        board.Start();
        await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        await DeployClient.DeployAsync(session, Old, Key);
        return board;
    }

    /// <summary>Asserts which program the board runs: by INFO's hash and by a sample computed with that program.</summary>
    private static async Task<LinkSession> AssertRunsAsync(BoardProcess board, byte[] program)
    {
        var session = await LinkSession.OpenAsync(board.Connect(), Fast);
        Assert.Equal(SHA256.HashData(program), session.Info.ProgramHash);
        var frames = FakeProgram.Frames(FakeProgram.Input, 3);
        var streamed = await new StreamClient(session, FakeProgram.Input).RunAsync(1, frames);
        Assert.True(streamed.Result.SameAs(FakeProgram.Expected(1, program, frames)));
        return session;
    }

    private static Task CutDeployAsync(BoardProcess board, int chunksDelivered)
    {
        int sent = 0;
        var line = new CuttingTransport(board.Connect(), frame =>
            frame.Type == MessageType.Commit || (frame.Type == MessageType.Chunk && sent++ == chunksDelivered));
        return Assert.ThrowsAnyAsync<LinkException>(async () =>
        {
            await using var session = await LinkSession.OpenAsync(line, Fast);
            await DeployClient.DeployAsync(session, New, Key);
        });
    }

    [Fact]
    public async Task A_cable_pulled_at_every_chunk_boundary_leaves_the_old_program_and_the_upload_resumes_where_it_stopped()
    {
        for (int k = 0; k <= Chunks; k++)
        {
            await using var board = await BoardWithOldProgramAsync();
            await CutDeployAsync(board, k);
            await using (var session = await AssertRunsAsync(board, Old))
            {
                Assert.Equal((uint)Math.Min(k * ChunkBytes, New.Length), session.Info.PendingUploadBytes);
                var resumed = await DeployClient.DeployAsync(session, New, Key);
                Assert.Equal((uint)Math.Min(k * ChunkBytes, New.Length), resumed.ResumedFrom);
            }
            await (await AssertRunsAsync(board, New)).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_board_reset_at_every_chunk_boundary_leaves_the_old_program_answering()
    {
        for (int k = 0; k <= Chunks; k++)
        {
            await using var board = await BoardWithOldProgramAsync();
            await CutDeployAsync(board, k);
            await board.KillAsync();
            board.Start();
            await using (var session = await AssertRunsAsync(board, Old))
            {
                Assert.Equal(0u, session.Info.PendingUploadBytes); // RAM upload state is gone; flash is not trusted without it
                await DeployClient.DeployAsync(session, New, Key);
            }
            await (await AssertRunsAsync(board, New)).DisposeAsync();
        }
    }

    [Fact]
    public async Task Power_lost_in_the_middle_of_every_flash_write_of_a_deploy_leaves_one_whole_program()
    {
        // Storage writes of a deploy: one per CHUNK, then the active-slot record (erases are not counted).
        for (int n = 0; n <= Chunks; n++)
        {
            await using var board = await BoardWithOldProgramAsync();
            await board.KillAsync();
            board.Start(crashAfterWrites: n);
            await Assert.ThrowsAnyAsync<LinkException>(async () =>
            {
                await using var session = await LinkSession.OpenAsync(board.Connect(), Fast);
                await DeployClient.DeployAsync(session, New, Key);
            });
            await board.WaitForExitAsync();
            Assert.Equal(3, board.ExitCode); // it died mid-write, not of something else
            board.Start();
            await using (var session = await AssertRunsAsync(board, Old))
            {
                await DeployClient.DeployAsync(session, New, Key);
            }
            await (await AssertRunsAsync(board, New)).DisposeAsync();
            output.WriteLine($"power cut in write {n + 1} of {Chunks + 1}: old program kept, new one deployed after");
        }
    }
}
