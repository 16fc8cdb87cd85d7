using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>Every corruption class is refused by the C loader with the status and byte offset of docs/spike-program.md §6, as the C# reader and verifier refuse it.</summary>
public sealed class CorruptionTests
{
    private static readonly byte[] Valid = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(3));

    private static RuntimeReport Load(byte[] file) => HostGoldenTests.RunHost(file, [], trace: false);

    private static void AssertRefused(byte[] file, string status, int? offset = null)
    {
        var report = Load(file);
        Assert.True(report.LoadStatus == status, $"expected {status}, got {report.LoadStatus} at {report.Offset}: {report.Message}");
        if (offset is not null)
            Assert.Equal(offset.Value, report.Offset);
        Assert.Empty(report.Samples);
        Assert.ThrowsAny<Neuro.Core.Errors.NeuroException>(() => ProgramVerifier.Verify(SpikeProgramFile.Read(file)));
    }

    /// <summary>The file with a new body: header length and hash rewritten so only the body's content is wrong.</summary>
    private static byte[] WithBody(ReadOnlySpan<byte> body)
    {
        var file = new byte[SpikeProgramFile.HeaderSize + body.Length];
        Valid.AsSpan(0, 8).CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)body.Length);
        SHA256.HashData(body, file.AsSpan(12, 32));
        body.CopyTo(file.AsSpan(SpikeProgramFile.HeaderSize));
        return file;
    }

    [Fact]
    public void The_valid_file_loads()
    {
        Assert.Equal("ok", Load(Valid).LoadStatus);
    }

    [Fact]
    public void A_file_cut_inside_the_header_is_truncated_at_its_length()
    {
        foreach (int length in new[] { 0, 3, 4, 12, 43 })
            AssertRefused(Valid[..length], "truncated", length);
    }

    [Fact]
    public void A_file_cut_inside_the_body_is_truncated_at_its_length()
    {
        foreach (int length in new[] { 44, 45, Valid.Length / 2, Valid.Length - 1 })
            AssertRefused(Valid[..length], "truncated", length);
    }

    [Fact]
    public void A_body_cut_anywhere_with_a_consistent_header_is_a_format_error_inside_the_body()
    {
        var body = Valid.AsSpan(SpikeProgramFile.HeaderSize);
        // About 100 cut points spread over the body, including the first and the last byte.
        int last = body.Length - 1;
        var cuts = Enumerable.Range(0, 100).Select(i => i * last / 99).Distinct().ToArray();
        foreach (int cut in cuts)
        {
            var report = Load(WithBody(body[..cut]));
            Assert.True(report.LoadStatus == "format", $"cut at {cut}: {report.LoadStatus} {report.Message}");
            Assert.InRange(report.Offset, SpikeProgramFile.HeaderSize, SpikeProgramFile.HeaderSize + cut);
        }
    }

    [Fact]
    public void Bytes_after_the_body_are_trailing_at_the_body_end()
    {
        AssertRefused([.. Valid, 0], "trailing", Valid.Length);
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_the_body_or_hash_fails_the_hash()
    {
        for (int i = 12; i < Valid.Length; i += Math.Max(1, Valid.Length / 30))
        {
            var file = Valid.ToArray();
            file[i] ^= 0x40;
            AssertRefused(file, "hash", 12);
        }
    }

    [Fact]
    public void A_wrong_magic_newer_or_zero_version_and_unknown_flags_are_refused_at_their_offsets()
    {
        var magic = Valid.ToArray();
        magic[1] = (byte)'X';
        AssertRefused(magic, "magic", 0);
        foreach (ushort version in new ushort[] { 0, 2, 0xFFFF })
        {
            var file = Valid.ToArray();
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(4), version);
            AssertRefused(file, "version", 4);
        }
        var flags = Valid.ToArray();
        flags[6] = 1;
        AssertRefused(flags, "flags", 6);
    }

    [Fact]
    public void Integers_of_every_width_the_format_allows_load_the_same_program()
    {
        // Re-encode every positive fixint in the body as uint32 and every negative fixint as int32: the
        // same values in the widest encodings; the loaded program must run identically.
        var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(7));
        var body = SpikeProgramFile.ToBytes(verified.Program).AsSpan(SpikeProgramFile.HeaderSize).ToArray();
        var widened = Widen(body);
        Assert.True(widened.Length > body.Length);
        var sample = RandomProgramGenerator.Sample(verified.Program, 7);
        var report = HostGoldenTests.RunHost(WithBody(widened), sample, trace: false);
        Assert.Equal("ok", report.LoadStatus);
        RuntimeReport.AssertMatchesReference(verified, sample, Assert.Single(report.Samples), "widened program");
    }

    public static TheoryData<string> VerifierFaults => [.. Faults.Keys];

    [Theory]
    [MemberData(nameof(VerifierFaults))]
    public void A_program_breaking_a_verifier_rule_is_refused_by_both_verifiers(string fault)
    {
        var file = SpikeProgramFile.ToBytes(Faults[fault](RandomProgramGenerator.Generate(3)));
        var report = Load(file);
        Assert.True(report.LoadStatus == "verify", $"{fault}: {report.LoadStatus} {report.Message}");
        Assert.Throws<ProgramVerificationException>(() => ProgramVerifier.Verify(SpikeProgramFile.Read(file)));
    }

    private static readonly Dictionary<string, Func<SpikeProgram, SpikeProgram>> Faults = new()
    {
        ["buffer index out of range"] = p => ReplaceOp<LinearOp>(p, op => op with { Input = 99 }),
        ["tensor index out of range"] = p => ReplaceOp<LinearOp>(p, op => op with { Weights = 99 }),
        ["leak 0"] = p => ReplaceOp<LifOp>(p, op => op with { Leak = 0 }),
        ["fractional bits 15"] = p => ReplaceOp<LifOp>(p, op => op with { FractionalBits = 15 }),
        ["channel axis outside the rank"] = p => ReplaceOp<LifOp>(p, op => op with { ChannelAxis = 5 }),
        ["threshold 0"] = p => ReplaceTensor(p, p.Ops.OfType<LifOp>().First().Thresholds, t => Int32Tensor(t, 0)),
        ["accumulator bound beyond int32"] = p => ReplaceTensor(p, WithBias(p), t => Int32Tensor(t, int.MaxValue)),
        ["readout not last"] = p => p with { Ops = [p.Ops[^1], .. p.Ops[..^1]] },
        ["duplicate buffer name"] = p => p with { Buffers = p.Buffers.SetItem(1, p.Buffers[1] with { Name = p.Buffers[0].Name }) },
        ["second input buffer"] = p => p with { Buffers = p.Buffers.SetItem(1, p.Buffers[1] with { Kind = BufferKind.Input }) },
        ["read before written"] = p => p with { Ops = [p.Ops[1], p.Ops[0], .. p.Ops[2..]] },
        ["unknown encoding"] = p => p with { Input = p.Input with { Encoding = (FrameEncoding)7 } },
        ["time steps 0"] = p => p with { Input = p.Input with { TimeSteps = 0 } },
        ["heads do not divide channels"] = p => ReplaceOp<Op>(p, op => op switch
        {
            MatMulQKOp qk => qk with { Heads = 5 },
            MatMulKVOp kv => kv with { Heads = 5 },
            _ => op,
        }),
        ["weights of the wrong shape"] = p => ReplaceTensor(p, p.Ops.OfType<LinearOp>().First().Weights,
            t => new Tensor(t.Name, t.Type, [1, t.Length], t.Data)),
    };

    private static SpikeProgram ReplaceOp<T>(SpikeProgram program, Func<T, Op> change) where T : Op
    {
        int index = program.Ops.IndexOf(program.Ops.First(op => op is T && change((T)op) != op));
        return program with { Ops = program.Ops.SetItem(index, change((T)program.Ops[index])) };
    }

    private static SpikeProgram ReplaceTensor(SpikeProgram program, int index, Func<Tensor, Tensor> change) =>
        program with { Tensors = program.Tensors.SetItem(index, change(program.Tensors[index])) };

    private static int WithBias(SpikeProgram program) =>
        program.Ops.Select(op => op switch { LinearOp l => l.Bias, Conv2dOp c => c.Bias, _ => Op.NoTensor }).First(b => b != Op.NoTensor);

    private static Tensor Int32Tensor(Tensor like, int value)
    {
        var data = new byte[like.Data.Length];
        for (int i = 0; i < data.Length; i += 4)
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i), value);
        return new Tensor(like.Name, like.Type, like.Shape, data);
    }

    /// <summary>Rewrites fixints as 32-bit ints, walking the MessagePack structure so bin and str payloads stay untouched.</summary>
    private static byte[] Widen(byte[] body)
    {
        var output = new List<byte>();
        int position = 0;
        while (position < body.Length)
        {
            byte tag = body[position];
            if (tag <= 0x7F)
            {
                output.AddRange([0xCE, 0, 0, 0, tag]);
                position++;
            }
            else if (tag >= 0xE0)
            {
                output.AddRange([0xD2, 0xFF, 0xFF, 0xFF, tag]);
                position++;
            }
            else
            {
                int length = PayloadLength(body, position);
                output.AddRange(body.AsSpan(position, length).ToArray());
                position += length;
            }
        }
        return [.. output];
    }

    /// <summary>Bytes of one non-fixint item (or one array header: its elements follow as items of their own).</summary>
    private static int PayloadLength(byte[] body, int at)
    {
        byte tag = body[at];
        return tag switch
        {
            >= 0x90 and <= 0x9F => 1,
            0xDC => 3,
            0xDD => 5,
            >= 0xA0 and <= 0xBF => 1 + (tag & 0x1F),
            0xD9 or 0xC4 => 2 + body[at + 1],
            0xDA or 0xC5 => 3 + BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at + 1)),
            0xDB or 0xC6 => 5 + (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1)),
            0xCC or 0xD0 => 2,
            0xCD or 0xD1 => 3,
            0xCE or 0xD2 => 5,
            0xCF or 0xD3 => 9,
            _ => throw new InvalidOperationException($"unexpected MessagePack tag 0x{tag:X2} at {at}"),
        };
    }
}
