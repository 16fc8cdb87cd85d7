using System.Security.Cryptography;
using Neuro.FirmwareGen;
using Neuro.Link.Tests.Support;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>
/// The active-slot record survives a reset (docs/protocol.md section 7.2), tested on the host board's file-backed flash
/// (NSP_HOST_FLASH, boards/host/hal.c: NOR semantics, outlives the process): the generated loader is killed with SIGKILL
/// after every flash operation of a deploy, and during it, restarted on the same image, and must answer with the old or
/// the new program, whole, never a mix. QEMU's boards cannot test this: they do not emulate flash programming (docs/firmware.md).
/// </summary>
public class FlashRecordTests(GeneratedFirmware firmware, ITestOutputHelper log) : IClassFixture<GeneratedFirmware>
{
    private static readonly SpikeProgram Old = RandomProgramGenerator.Generate(8);
    private static readonly SpikeProgram New = RandomProgramGenerator.Generate(9);

    [Fact]
    public async Task A_deployed_program_is_still_active_after_the_board_process_is_killed_and_restarted()
    {
        string image = NewImage();
        using (var board = await StartAsync(image))
        {
            await using var session = await GeneratedFirmware.ConnectAsync(board);
            Assert.Equal(BoardInfo.NoSlot, session.Info.ActiveSlot);
            await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(Old), GeneratedFirmware.Key);
        }
        var (hash, counter) = await ActiveProgramAsync(image);
        Assert.Equal(SHA256.HashData(SpikeProgramFile.ToBytes(Old)), hash);
        Assert.Equal(1u, counter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Killing_the_board_at_any_flash_operation_of_a_deploy_leaves_the_old_or_the_new_program_whole(bool tear)
    {
        string baseline = NewImage();
        using (var board = await StartAsync(baseline))
        {
            await using var session = await GeneratedFirmware.ConnectAsync(board);
            await DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(Old), GeneratedFirmware.Key);
        }
        byte[] oldHash = SHA256.HashData(SpikeProgramFile.ToBytes(Old)), newHash = SHA256.HashData(SpikeProgramFile.ToBytes(New));
        var outcomes = new List<string>();
        for (int operation = 1; ; operation++)
        {
            Assert.True(operation < 64, "the deploy never completed");
            string image = NewImage();
            File.Copy(baseline, image, overwrite: true);
            bool crashed;
            using (var board = await StartAsync(image, operation, tear))
            {
                await using var session = await GeneratedFirmware.ConnectAsync(board);
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var deploy = DeployClient.DeployAsync(session, SpikeProgramFile.ToBytes(New), GeneratedFirmware.Key, cancellationToken: stop.Token);
                // A killed board shows as a closed port, or only as its process's exit: whichever comes first ends the deploy.
                await Task.WhenAny(deploy, board.WaitForExitAsync(stop.Token));
                crashed = !deploy.IsCompletedSuccessfully;
                if (crashed)
                {
                    await board.WaitForExitAsync(stop.Token); // it was the kill, not a link failure
                    await stop.CancelAsync();
                    var failure = await Record.ExceptionAsync(() => deploy);
                    Assert.True(failure is LinkException or OperationCanceledException, $"operation {operation}: {failure}");
                }
            }
            var (hash, _) = await ActiveProgramAsync(image);
            bool isOld = hash.AsSpan().SequenceEqual(oldHash), isNew = hash.AsSpan().SequenceEqual(newHash);
            Assert.True(isOld || isNew, $"killed at operation {operation}: the board answers with neither program");
            outcomes.Add(isOld ? "old" : "new");
            if (!crashed)
            {
                Assert.True(isNew, "a deploy that completed left the old program active");
                break;
            }
        }
        log.WriteLine($"tear={tear}: killed at operations 1..{outcomes.Count - 1}, then completed: {string.Join(" ", outcomes)}");
        // The switch is one operation: the old program up to it, the new one from it on, never back.
        Assert.Equal(outcomes.OrderBy(o => o == "new").ToList(), outcomes);
        Assert.Contains("old", outcomes);
        Assert.True(outcomes.Count(o => o == "new") >= (tear ? 1 : 2));
    }

    private string NewImage() => Path.Combine(firmware.Root, $"flash-{Guid.NewGuid():N}.img");

    private Task<EmulatedBoard> StartAsync(string image, int crashAfter = 0, bool tear = false)
    {
        var environment = new Dictionary<string, string> { ["NSP_HOST_FLASH"] = image };
        if (crashAfter > 0)
        {
            environment["NSP_HOST_FLASH_CRASH_AFTER"] = crashAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            environment["NSP_HOST_FLASH_TEAR"] = tear ? "1" : "0";
        }
        return firmware.StartAsync("host", environment);
    }

    /// <summary>Restarts the board on <paramref name="image"/>; the active program must run a sample exactly as the reference.</summary>
    private async Task<(byte[] Hash, uint Counter)> ActiveProgramAsync(string image)
    {
        using var board = await StartAsync(image);
        await using var session = await GeneratedFirmware.ConnectAsync(board);
        var hash = session.Info.ProgramHash;
        Assert.True(session.Info.HasProgram, "no program is active");
        var program = hash.AsSpan().SequenceEqual(SHA256.HashData(SpikeProgramFile.ToBytes(Old))) ? Old : New;
        var sample = RandomProgramGenerator.Sample(program, 31);
        var streamed = await new StreamClient(session, program.Input).RunAsync(3, GeneratedFirmware.Frames(program, sample));
        var expected = new ReferenceInterpreter(ProgramVerifier.Verify(program)).Run(sample);
        Assert.Equal(expected.Logits, streamed.Result.Logits);
        Assert.Equal(expected.Counters.Select(c => (uint)c.Steps.Sum(step => step.OutputSum)), streamed.Result.SpikesPerLayer);
        return (hash, session.Info.Counter);
    }
}
