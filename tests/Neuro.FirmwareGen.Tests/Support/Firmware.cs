using Neuro.Core.Boards;
using Neuro.Program;
using Neuro.Program.Tests.Support;

namespace Neuro.FirmwareGen.Tests.Support;

/// <summary>Builds firmware into per-test temporary folders, removed when the test ends.</summary>
internal sealed class Firmware : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"neuro-fwtest-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public Firmware() => Directory.CreateDirectory(_root);

    public string Root => _root;

    public static byte[] RandomProgram(ulong seed) => SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(seed));

    /// <summary>The deploy key loader firmware is built with (32 bytes, fixed so builds are reproducible).</summary>
    public static readonly byte[] TestKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    public Task<FirmwareReport> BuildAsync(string boardName, FirmwareShape shape, byte[]? program, string? output = null, bool link = true) =>
        FirmwareGenerator.GenerateAsync(
            new FirmwareRequest(BoardCatalog.Load(boardName), BoardCatalog.DirectoryOf(boardName), shape, program, "test program",
                output ?? Path.Combine(_root, $"{boardName}-{shape}{(link ? "" : "-console")}".ToLowerInvariant()), shape == FirmwareShape.Loader ? TestKey : null, link),
            progress: null, CancellationToken.None);

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
