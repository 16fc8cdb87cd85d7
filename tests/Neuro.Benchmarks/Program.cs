using BenchmarkDotNet.Running;

namespace Neuro.Benchmarks;

internal static class Program
{
    private static int Main(string[] args)
    {
#if DEBUG
        Console.Error.WriteLine("warning: benchmarks built in Debug; run with -c Release for figures worth reporting");
#endif
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new RecommendedConfig());
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
