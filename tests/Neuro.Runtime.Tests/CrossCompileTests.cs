using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>The runtime compiles warning-free (C99, -Wall -Wextra -Werror -pedantic) for every core the boards use, in both weight layouts.</summary>
public sealed class CrossCompileTests
{
    public static TheoryData<string, bool> Cores => new()
    {
        { "-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16", false },
        { "-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16", true },
        { "-mcpu=cortex-m7 -mfloat-abi=hard -mfpu=fpv5-d16", false },
        { "-mcpu=cortex-m7 -mfloat-abi=hard -mfpu=fpv5-d16", true },
        { "-mcpu=cortex-m0plus", false },
        { "-mcpu=cortex-m0plus", true },
    };

    [Theory]
    [MemberData(nameof(Cores))]
    public void The_runtime_compiles_warning_free_for_the_core(string core, bool transposedWeights)
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            foreach (string source in Toolchain.RuntimeSources.Append(Toolchain.Port("nsp_report.c")))
            {
                Toolchain.Compile("arm-none-eabi-gcc", "gcc-arm-none-eabi",
                    [.. Toolchain.StrictFlags, .. core.Split(' '), "-mthumb", "-Os", $"-DNSP_TRANSPOSED_WEIGHTS={(transposedWeights ? 1 : 0)}",
                     .. Toolchain.Includes(), "-c", source, "-o", Path.Combine(directory, Path.GetFileNameWithoutExtension(source) + ".o")],
                    directory);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
