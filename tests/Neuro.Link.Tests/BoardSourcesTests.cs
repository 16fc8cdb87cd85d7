using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Neuro.Link.Framing;
using Neuro.Link.Tests.Support;
using Xunit.Abstractions;

namespace Neuro.Link.Tests;

/// <summary>The C board side beyond the protocol tests: strict Cortex-M4 compile and a bounded libFuzzer run.</summary>
public class BoardSourcesTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("requires", "arm-none-eabi-gcc")]
    public void Board_sources_compile_warning_free_for_cortex_m4()
    {
        NativeBoard.Make(Path.Combine(Path.GetTempPath(), "neuro-link-arm"), "check-arm");
    }

    /// <summary>Valid sessions for the fuzzer to mutate: without them random bytes almost never pass the CRC.</summary>
    private static void WriteSeeds(string folder)
    {
        Directory.CreateDirectory(folder);
        // The fuzz harness's fake loader: 'F', frame of 1 + 16·p[1] cells, 1 + p[2] % 8 steps, p[3] & 1 binary.
        var program = new byte[64];
        program[0] = (byte)'F';
        program[1] = 1;
        program[2] = 3;
        var fuzzKey = new byte[32];
        fuzzKey[0] = 1; fuzzKey[1] = 2; fuzzKey[2] = 3;
        var hash = SHA256.HashData(program);
        for (int signed = 0; signed < 2; signed++)
        {
            var wire = new List<byte> { (byte)signed };
            ushort seq = 0;
            void Add(MessageType type, byte[] payload) => wire.AddRange(new Frame(type, seq++, 0, payload).Encode());
            Add(MessageType.Hello, new HelloRequest(1).Encode());
            var tag = signed == 1 ? new BoardKey(fuzzKey).Tag(hash, 1, 64) : new byte[32];
            Add(MessageType.Begin, new BeginRequest(signed == 1, 64, 1, hash, tag).Encode());
            Add(MessageType.Chunk, new ChunkRequest(0, program[..40]).Encode());
            Add(MessageType.Chunk, new ChunkRequest(40, program[40..]).Encode());
            Add(MessageType.Commit, []);
            Add(MessageType.StartSample, new SampleRequest(1).Encode());
            Add(MessageType.Events, new EventsRequest(0, EventEncoding.Sparse16, true, 0, [1, 0, 16, 0]).Encode());
            Add(MessageType.Events, new EventsRequest(1, EventEncoding.Sparse16Count, true, 0, [2, 0, 3]).Encode());
            Add(MessageType.Events, new EventsRequest(2, EventEncoding.Bitmap, true, 0, [0x81, 0x10, 1]).Encode());
            Add(MessageType.Events, new EventsRequest(3, EventEncoding.Dense, true, 4, [1, 2, 3]).Encode());
            Add(MessageType.EndSample, new SampleRequest(1).Encode());
            seq -= 2;
            Add(MessageType.Events, new EventsRequest(3, EventEncoding.Dense, true, 4, [1, 2, 3]).Encode());
            seq++;
            Add(MessageType.GetStats, []);
            Add(MessageType.Reset, []);
            File.WriteAllBytes(Path.Combine(folder, $"session-{signed}"), wire.ToArray());
        }
    }

    [Fact]
    [Trait("requires", "clang")]
    public void The_frame_parser_and_board_state_machine_survive_a_bounded_libfuzzer_run()
    {
        var work = Path.Combine(Path.GetTempPath(), "neuro-link-fuzz", Environment.ProcessId.ToString());
        var seeds = Path.Combine(work, "seeds");
        WriteSeeds(seeds);
        string log;
        try
        {
            log = NativeBoard.Make(work, "fuzz", 180, "FUZZ_SECONDS=20", $"SEEDS={seeds}");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("libclang_rt.fuzzer"))
        {
            throw new InvalidOperationException("libFuzzer's runtime is missing: apt-get install libclang-rt-14-dev", e);
        }
        var runs = Regex.Match(log, @"stat::number_of_executed_units:\s*(\d+)");
        var coverage = Regex.Match(log, @"DONE\s+cov: (\d+)"); // the fuzzing run's final line (the CRC-checked replay follows)
        Assert.True(runs.Success && coverage.Success, log);
        Assert.DoesNotContain("ERROR: libFuzzer", log);
        Assert.DoesNotContain("runtime error", log);
        Assert.Empty(Directory.GetFiles(work, "crash-*"));
        output.WriteLine($"libFuzzer: {runs.Groups[1].Value} executions, coverage {coverage.Groups[1].Value} edges, no crash/leak/UB");
        Assert.True(long.Parse(runs.Groups[1].Value) > 10_000);
    }
}
