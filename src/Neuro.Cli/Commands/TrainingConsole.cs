using Neuro.Cli.Infrastructure;
using Neuro.Models.Training;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary>Shared pieces of the training verbs: the progress display and the per-epoch summary lines.</summary>
internal static class TrainingConsole
{
    /// <summary>
    /// Runs <paramref name="train"/> on a worker thread under a Spectre progress bar (epoch, loss, accuracy, samples/s,
    /// ETA) when a person watches, or with one line per epoch otherwise.
    /// </summary>
    public static async Task<TrainingMetadata> RunAsync(CliContext context, string title, Func<IProgress<TrainingProgress>, TrainingMetadata> train)
    {
        if (!context.Interactive)
        {
            var lines = new EpochLines(context.Output);
            return await Task.Run(() => train(lines)).ConfigureAwait(false);
        }
        TrainingMetadata? result = null;
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(Markup.Escape(title));
                result = await Task.Run(() => train(new BarProgress(task))).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result!;
    }

    public static string Describe(TrainingProgress p) => FormattableString.Invariant(
        $"epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.Loss:F4} acc {p.Accuracy:P1} {p.SamplesPerSecond:F1} samples/s ETA {TimeSpan.FromSeconds(Math.Round(p.Eta.TotalSeconds)):c}");

    public static string Describe(EpochMetrics m)
    {
        string test = m.TestAccuracy is { } accuracy ? FormattableString.Invariant($", test acc {accuracy:P1}") : "";
        return FormattableString.Invariant(
            $"epoch {m.Epoch}: loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P1}{test}, {m.Seconds:F1} s, {m.SamplesPerSecond:F1} samples/s");
    }

    /// <summary>Reports synchronously (unlike <see cref="Progress{T}"/>, which posts to the thread pool and can reorder).</summary>
    private sealed class BarProgress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            task.MaxValue = (double)value.Epochs * value.Batches;
            task.Value = (double)(value.Epoch - 1) * value.Batches + value.Batch;
            task.Description = Markup.Escape(Describe(value));
        }
    }

    /// <summary>One line when an epoch ends, for logs and redirected output.</summary>
    private sealed class EpochLines(TextWriter output) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Batch == value.Batches)
                output.WriteLine(Describe(value));
        }
    }
}
