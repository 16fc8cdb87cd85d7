using System.Text.RegularExpressions;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Runtime.Tests;

/// <summary>A bounded libFuzzer run of nsp_load under AddressSanitizer and UBSan finds no crash, leak or undefined behaviour.</summary>
public sealed partial class FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Fuzzing_the_loader_for_fifteen_seconds_finds_nothing()
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            string fuzzer = Path.Combine(directory, "nsp_load_fuzz");
            string corpus = Directory.CreateDirectory(Path.Combine(directory, "corpus")).FullName;
            Toolchain.Compile("clang", "clang", ["-std=c99", "-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined",
                .. Toolchain.Includes(), .. Toolchain.RuntimeSources, Path.Combine(Toolchain.RuntimeDirectory, "fuzz", "nsp_load_fuzz.c"), "-o", fuzzer], directory);
            foreach (ulong seed in Enumerable.Range(0, 8).Select(s => (ulong)s))
                File.WriteAllBytes(Path.Combine(corpus, $"random-{seed}.nsp"), SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(seed)));

            var result = Toolchain.Run(fuzzer, ["-max_total_time=15", "-rss_limit_mb=1024", "-print_final_stats=1", corpus], directory, TimeSpan.FromSeconds(90));

            var runs = RunsPattern().Match(result.Error);
            output.WriteLine(runs.Success ? $"libFuzzer: {runs.Groups[1].Value} executions" : result.Error[^Math.Min(2000, result.Error.Length)..]);
            Assert.True(result.ExitCode == 0, $"the fuzzer found a fault (exit {result.ExitCode}):\n{result.Error[^Math.Min(4000, result.Error.Length)..]}");
            Assert.True(runs.Success && long.Parse(runs.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1000, "the fuzzer barely ran");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"stat::number_of_executed_units:\s*(\d+)")]
    private static partial Regex RunsPattern();
}
