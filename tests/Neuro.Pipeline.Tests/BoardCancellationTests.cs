using Neuro.Core.Boards;
using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.Pipeline.Tests;

/// <summary>Ctrl+C while the demo's board runs: the board's processes are gone when the cancellation surfaces.</summary>
public sealed class BoardCancellationTests
{
    [Fact]
    public async Task Cancelling_during_the_deploy_stops_every_board_process()
    {
        string staging = Path.Combine(Path.GetTempPath(), $"neuro-pipeline-cancel-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var program = RandomProgramGenerator.Generate(7);
            byte[] bytes = SpikeProgramFile.ToBytes(program);
            string path = Path.Combine(staging, "random.nsp");
            SpikeProgramFile.Save(bytes, path);
            using var cancel = new CancellationTokenSource();
            IReadOnlyList<int> started = [];
            IReadOnlyList<int> current = [];
            var stages = new StageRunner(new Relay<DemoProgress>(p =>
            {
                if (p.Stage == DemoStage.Deploy)
                    cancel.Cancel();
            }), null);
            var run = new DemoBoardRun(BoardCatalog.Load(DemoOptions.DefaultBoard), BoardCatalog.DirectoryOf(DemoOptions.DefaultBoard), forceHost: true,
                staging, stages, ids =>
                {
                    current = ids;
                    if (ids.Count > 0)
                        started = ids;
                });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                run.RunAsync(bytes, path, [RandomProgramGenerator.Sample(program, 1)], program.Input, cancel.Token));

            Assert.NotEmpty(started);
            Assert.Empty(current);
            Assert.All(started, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"board process {pid} still runs"));
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
