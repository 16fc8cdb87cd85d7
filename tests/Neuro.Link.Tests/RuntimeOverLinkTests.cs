using Neuro.Link.Tests.Support;
using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.Link.Tests;

/// <summary>
/// Real spike programs deployed over the link to the board running the C runtime (board_host_nsp, built with
/// the runtime's nsp_load/nsp_exec): every RESULT equals the reference interpreter's logits, class and spikes.
/// </summary>
public class RuntimeOverLinkTests
{
    private const string KeyHex = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";
    private static readonly BoardKey Key = new(Convert.FromHexString(KeyHex));

    [Fact]
    public async Task Random_programs_deployed_and_streamed_answer_exactly_as_the_reference_interpreter()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex, NativeBoard.BoardHostNsp);
        board.Start();
        for (ulong seed = 1; seed <= 12; seed++)
        {
            var program = RandomProgramGenerator.Generate(seed);
            var bytes = SpikeProgramFile.ToBytes(program);
            var reference = new ReferenceInterpreter(ProgramVerifier.Verify(program));
            await using var session = await LinkSession.OpenAsync(board.Connect());
            await DeployClient.DeployAsync(session, bytes, Key);
            var client = new StreamClient(session, program.Input);
            for (uint s = 0; s < 3; s++)
            {
                var sample = RandomProgramGenerator.Sample(program, seed * 100 + s);
                int frame = program.Input.FrameLength;
                var frames = Enumerable.Range(0, program.Input.TimeSteps).Select(t => sample.AsSpan(t * frame, frame).ToArray()).ToList();
                var answer = (await client.RunAsync(s, frames)).Result;
                var expected = reference.Run(sample);
                Assert.Equal(expected.Logits, answer.Logits);
                Assert.Equal(expected.PredictedClass, answer.Predicted);
                Assert.Equal(expected.Counters.Select(c => (uint)c.Steps.Sum(step => step.OutputSum)), answer.SpikesPerLayer);
            }
        }
    }

    [Fact]
    public async Task A_program_the_runtime_refuses_is_reported_with_the_loader_reason_and_never_activated()
    {
        await using var board = new BoardProcess(BoardProcess.NewStorage(), KeyHex, NativeBoard.BoardHostNsp);
        board.Start();
        var good = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(3));
        await using (var session = await LinkSession.OpenAsync(board.Connect()))
        {
            await DeployClient.DeployAsync(session, good, Key);
        }
        var broken = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(4));
        broken[^1] ^= 0xFF; // the body no longer matches the hash in the .nsp header
        await using var again = await LinkSession.OpenAsync(board.Connect());
        var e = await Assert.ThrowsAsync<BoardRefusedException>(() => DeployClient.DeployAsync(again, broken, Key));
        Assert.Equal(BoardError.LoadFailed, e.Code);
        Assert.Contains("SHA-256 does not match", e.BoardText);
        await using var after = await LinkSession.OpenAsync(board.Connect());
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(good), after.Info.ProgramHash);
    }
}
