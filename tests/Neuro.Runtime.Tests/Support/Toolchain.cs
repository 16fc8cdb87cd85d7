using Neuro.FirmwareGen;

namespace Neuro.Runtime.Tests.Support;

/// <summary>
/// Drives the C toolchains and QEMU for the runtime's tests: finds each tool on PATH (failing with the
/// Debian package to install when it is missing), builds the host driver and the Cortex-M4 test firmware
/// once per test run into a temp directory, and runs processes with a timeout, killing each by its own
/// process (and its children) on timeout or failure.
/// </summary>
public static class Toolchain
{
    /// <summary>The warning policy every runtime source must pass (DESIGN.md: warning-free C99).</summary>
    public static readonly string[] StrictFlags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];

    private static readonly Lazy<string>[] HostDrivers =
        [new(() => BuildHostDriver(false, false)), new(() => BuildHostDriver(true, false)), new(() => BuildHostDriver(false, true)), new(() => BuildHostDriver(true, true))];
    private static readonly Lazy<string>[] Mps2Firmwares = [new(() => BuildMps2Firmware(false)), new(() => BuildMps2Firmware(true))];

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string RuntimeDirectory => Path.Combine(RepositoryRoot, "firmware-gen", "runtime");

    /// <summary>The runtime's own sources (no port, host or firmware code).</summary>
    public static IEnumerable<string> RuntimeSources => Directory.GetFiles(Path.Combine(RuntimeDirectory, "src"), "*.c").Order();

    /// <summary>
    /// nsp_host built with gcc -O2 under the strict flags, once per test run, NSP_TRANSPOSED_WEIGHTS setting and
    /// sanitizer choice (AddressSanitizer + UBSan make every run a memory-safety and undefined-behaviour check, at
    /// a start-up cost that matters only to tests running hundreds of processes).
    /// </summary>
    public static string HostDriverPath(bool transposedWeights, bool sanitized) => HostDrivers[(transposedWeights ? 1 : 0) + (sanitized ? 2 : 0)].Value;

    /// <summary>The semihosting test firmware for mps2-an386 (Cortex-M4), once per test run and NSP_TRANSPOSED_WEIGHTS setting.</summary>
    public static string Mps2FirmwarePath(bool transposedWeights) => Mps2Firmwares[transposedWeights ? 1 : 0].Value;

    private static string Transposed(bool transposedWeights) => $"-DNSP_TRANSPOSED_WEIGHTS={(transposedWeights ? 1 : 0)}";

    /// <summary>The full path of a tool, or a failure naming the package that provides it.</summary>
    public static string Require(string tool, string package)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        Assert.Fail($"{tool} is not installed; this test needs it (Debian: apt-get install {package}; CI installs it).");
        return "";
    }

    public static string NewTemporaryDirectory() => Directory.CreateTempSubdirectory("neuro-runtime-").FullName;

    /// <summary>
    /// Runs a process to completion within <paramref name="timeout"/> through the generator's <see cref="ToolProcess"/>;
    /// on timeout the process tree is killed and the test fails.
    /// </summary>
    public static ToolResult Run(string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return ToolProcess.RunAsync(file, [.. arguments], workingDirectory, deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"{Path.GetFileName(file)} did not finish within {timeout.TotalSeconds} s; its process tree was killed");
            throw;
        }
    }

    /// <summary>Runs a compiler or linker; a nonzero exit fails the test with its diagnostics.</summary>
    public static void Compile(string tool, string package, IEnumerable<string> arguments, string workingDirectory)
    {
        var result = Run(Require(tool, package), arguments, workingDirectory, TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, $"{tool} failed ({result.ExitCode}):\n{result.Error}{result.Output}");
    }

    /// <summary>
    /// Boots <paramref name="elf"/> on QEMU's mps2-an386 with semihosting rooted in <paramref name="workingDirectory"/>
    /// and instruction counting (-icount shift=0: one instruction per virtual nanosecond, so SysTick at 25 MHz
    /// counts 40 instructions per tick). The firmware's SYS_EXIT_EXTENDED code is the exit code.
    /// </summary>
    public static ToolResult RunMps2(string elf, string workingDirectory, TimeSpan timeout) =>
        Run(Require("qemu-system-arm", "qemu-system-arm"),
            ["-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "none", "-semihosting-config", "enable=on,target=native",
             "-icount", "shift=0", "-kernel", elf],
            workingDirectory, timeout);

    private static string BuildHostDriver(bool transposedWeights, bool sanitized)
    {
        string directory = NewTemporaryDirectory();
        string output = Path.Combine(directory, "nsp_host");
        string[] sanitizers = sanitized ? ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] : [];
        Compile("gcc", "gcc", [.. StrictFlags, "-O2", .. sanitizers, Transposed(transposedWeights), .. Includes(), .. RuntimeSources, Port("nsp_report.c"),
            Path.Combine(RuntimeDirectory, "host", "nsp_host.c"), "-o", output], directory);
        return output;
    }

    /// <summary>The mps2-an386 compiler flags of boards/mps2-an386/board.json plus the strict warning policy.</summary>
    public static string[] CortexM4Flags => [.. StrictFlags, "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"];

    private static string BuildMps2Firmware(bool transposedWeights)
    {
        string directory = NewTemporaryDirectory();
        string output = Path.Combine(directory, "nsp_test_mps2.elf");
        string board = Path.Combine(RepositoryRoot, "boards", "mps2-an386");
        Compile("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi",
            [.. CortexM4Flags, "-O2", Transposed(transposedWeights), "-ffunction-sections", "-fdata-sections", "-fno-tree-loop-distribute-patterns",
             .. Includes(), .. RuntimeSources, Port("nsp_report.c"), Port("nsp_semihost.c"), Port("nsp_cycles.c"),
             Path.Combine(RuntimeDirectory, "qemu", "nsp_test_firmware.c"), Path.Combine(board, "startup.c"),
             "-nostartfiles", "-nostdlib", "-T", Path.Combine(board, "link.ld"), "-Wl,--gc-sections", "-lc", "-lgcc", "-o", output],
            directory);
        return output;
    }

    public static string[] Includes() =>
        ["-I" + Path.Combine(RuntimeDirectory, "include"), "-I" + Path.Combine(RuntimeDirectory, "src"), "-I" + Path.Combine(RuntimeDirectory, "port")];

    public static string Port(string file) => Path.Combine(RuntimeDirectory, "port", file);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Neuro.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no Neuro.sln above {AppContext.BaseDirectory}");
    }
}
