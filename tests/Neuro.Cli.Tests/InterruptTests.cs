using System.Diagnostics;
using System.Text.Json;

namespace Neuro.Cli.Tests;

/// <summary>A real process and a real SIGINT, as a person pressing Ctrl+C in a terminal sends it.</summary>
[Collection("Sequential")]
public sealed class InterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "neuro-cli-interrupt", Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigint_during_training_saves_a_resumable_checkpoint_and_exits_130()
    {
        string data = Path.Combine(_dir, "synth");
        var (exit, _, error) = CompileCommandTests.Run("data", "synth", "--out", data, "--users", "2", "--test-users", "1", "--duration", "0.3");
        Assert.True(exit == 0, error);
        string checkpoint = Path.Combine(_dir, "ckpt");

        using var process = Start("train", "--data", data, "--epochs", "500", "--batch", "2", "--out", checkpoint);
        try
        {
            // Interrupt once training has visibly started (its first line goes to stderr before the first batch).
            var started = await ReadUntil(process.StandardError, "training ", TimeSpan.FromMinutes(3));
            Assert.True(started, "training never started");
            await Task.Delay(TimeSpan.FromSeconds(3));
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(130, process.ExitCode);
            using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "training.json")));
            var root = metadata.RootElement;
            int epochs = root.GetProperty("epochsCompleted").GetInt32(), batches = root.GetProperty("nextBatch").GetInt32();
            Assert.True(epochs < 500 && epochs * 100 + batches > 0, $"saved at epoch {epochs}, batch {batches}");
            Assert.True(File.Exists(Path.Combine(checkpoint, "weights.dat")));
            Assert.True(File.Exists(Path.Combine(checkpoint, "optimizer.dat")));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "neuro.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        // Drain stdout so a full pipe never blocks the child.
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    private static async Task<bool> ReadUntil(StreamReader reader, string marker, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (!timeout.IsCancellationRequested)
        {
            string? line = await reader.ReadLineAsync(timeout.Token);
            if (line is null)
                return false;
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                _ = reader.ReadToEndAsync();
                return true;
            }
        }
        return false;
    }
}
