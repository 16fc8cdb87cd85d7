using System.Buffers.Binary;
using System.Security.Cryptography;
using Neuro.Program.Tests.Support;

namespace Neuro.Program.Tests;

/// <summary>The .nsp container: round trips, and every class of damage refused with where and why.</summary>
public sealed class SerializationTests
{
    private static readonly byte[] File = SpikeProgramFile.ToBytes(RandomProgramGenerator.Generate(11));

    private static ProgramFormatException Refusal(byte[] file) =>
        Assert.Throws<ProgramFormatException>(() => SpikeProgramFile.Read(file, "prog.nsp"));

    /// <summary>Replaces the body and rewrites length and hash, as a careful forger would.</summary>
    private static byte[] WithBody(byte[] file, byte[] body)
    {
        var result = new byte[SpikeProgramFile.HeaderSize + body.Length];
        file.AsSpan(0, SpikeProgramFile.HeaderSize).CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(SpikeProgramFile.BodyLengthOffset), (uint)body.Length);
        SHA256.HashData(body, result.AsSpan(SpikeProgramFile.HashOffset, 32));
        body.CopyTo(result, SpikeProgramFile.HeaderSize);
        return result;
    }

    [Fact]
    public void A_program_survives_a_round_trip_byte_for_byte_and_runs_the_same()
    {
        var program = RandomProgramGenerator.Generate(11);
        var read = SpikeProgramFile.Read(File);
        Assert.Equal(File, SpikeProgramFile.ToBytes(read));
        Assert.Equal(program.Name, read.Name);
        Assert.Equal(program.Input, read.Input);
        Assert.Equal(program.Ops.ToArray(), read.Ops.ToArray());
        Assert.Equal(program.Buffers.Select(b => (b.Name, b.Type, b.Kind, string.Join(",", b.Shape))),
            read.Buffers.Select(b => (b.Name, b.Type, b.Kind, string.Join(",", b.Shape))));
        Assert.All(program.Tensors.Zip(read.Tensors), pair => Assert.Equal(pair.First.Data.ToArray(), pair.Second.Data.ToArray()));

        var sample = RandomProgramGenerator.Sample(program, 11);
        var expected = new ReferenceInterpreter(ProgramVerifier.Verify(program), TraceLevel.AllBuffers).Run(sample);
        var actual = new ReferenceInterpreter(ProgramVerifier.Verify(read), TraceLevel.AllBuffers).Run(sample);
        Assert.Equal(expected.Logits.ToArray(), actual.Logits.ToArray());
        Assert.Equal(expected.Counters.SelectMany(c => c.Steps), actual.Counters.SelectMany(c => c.Steps));
    }

    [Fact]
    public void Saving_and_loading_a_file_gives_the_same_bytes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neuro-{Guid.NewGuid():N}.nsp");
        try
        {
            SpikeProgramFile.Save(SpikeProgramFile.Read(File), path);
            Assert.Equal(File, SpikeProgramFile.ToBytes(SpikeProgramFile.Load(path)));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void The_header_holds_magic_version_flags_length_and_the_body_hash()
    {
        Assert.Equal("NESP"u8.ToArray(), File[..4]);
        Assert.Equal(FormatVersion.Current, BinaryPrimitives.ReadUInt16LittleEndian(File.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(File.AsSpan(6)));
        Assert.Equal((uint)(File.Length - 44), BinaryPrimitives.ReadUInt32LittleEndian(File.AsSpan(8)));
        Assert.Equal(SHA256.HashData(File.AsSpan(44)), File[12..44]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.AsSpan(44))), SpikeProgramFile.HashOf(File));
        Assert.Equal(0x95, File[44]); // the body is a fixarray of the program's 5 fields
    }

    [Fact]
    public void A_file_truncated_anywhere_is_refused()
    {
        for (int length = 0; length < File.Length; length++)
            Refusal(File[..length]);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(12, 12)]
    [InlineData(43, 43)]
    public void A_truncated_header_is_refused_at_its_end(int length, long offset)
    {
        var error = Refusal(File[..length]);
        Assert.Equal(offset, error.Offset);
        Assert.Contains("truncated header", error.Message);
    }

    [Fact]
    public void A_truncated_body_is_refused_with_declared_and_actual_lengths()
    {
        var error = Refusal(File[..^1]);
        Assert.Equal(File.Length - 1, error.Offset);
        Assert.Contains($"the header declares {File.Length - 44} bytes, the file holds {File.Length - 45}", error.Message);
    }

    [Fact]
    public void Any_flipped_body_byte_fails_the_hash_check()
    {
        for (int i = 44; i < File.Length; i++)
        {
            var damaged = (byte[])File.Clone();
            damaged[i] ^= 0x10;
            var error = Refusal(damaged);
            Assert.Equal(SpikeProgramFile.HashOffset, error.Offset);
            Assert.Contains("SHA-256", error.Message);
        }
    }

    [Fact]
    public void A_flipped_hash_byte_fails_the_hash_check()
    {
        var damaged = (byte[])File.Clone();
        damaged[20] ^= 1;
        Assert.Contains("the file is corrupted", Refusal(damaged).Message);
    }

    [Fact]
    public void A_wrong_magic_is_refused_as_not_a_spike_program()
    {
        var damaged = (byte[])File.Clone();
        damaged[1] = (byte)'X';
        var error = Refusal(damaged);
        Assert.Equal(0, error.Offset);
        Assert.Contains("prog.nsp: byte 0: not a spike program: magic is 4E585350", error.Message);
    }

    [Fact]
    public void A_newer_format_version_is_refused_naming_both_versions()
    {
        var newer = (byte[])File.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(newer.AsSpan(4), FormatVersion.Current + 1);
        var error = Refusal(newer);
        Assert.Equal(4, error.Offset);
        Assert.Contains($"format version {FormatVersion.Current + 1} is newer than this reader's {FormatVersion.Current}", error.Message);
    }

    [Fact]
    public void Version_zero_and_unknown_flags_are_refused()
    {
        var zero = (byte[])File.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(zero.AsSpan(4), 0);
        Assert.Contains("format version 0 does not exist", Refusal(zero).Message);
        var flagged = (byte[])File.Clone();
        flagged[6] = 1;
        Assert.Equal(6, Refusal(flagged).Offset);
    }

    [Fact]
    public void Bytes_after_the_body_are_refused()
    {
        var error = Refusal([.. File, 0]);
        Assert.Equal(File.Length, error.Offset);
        Assert.Contains("1 unexpected bytes after the body", error.Message);
    }

    [Fact]
    public void An_out_of_range_index_in_a_well_hashed_body_loads_but_fails_verification()
    {
        var program = RandomProgramGenerator.Generate(11);
        int last = program.Ops.Length - 1;
        var forged = program with { Ops = program.Ops.SetItem(last, (ReadoutOp)program.Ops[last] with { Input = 1000 }) };
        var loaded = SpikeProgramFile.Read(SpikeProgramFile.ToBytes(forged));
        var error = Assert.Throws<ProgramVerificationException>(() => ProgramVerifier.Verify(loaded));
        Assert.Contains($"op {last} 'head' (Readout): buffer index 1000 is out of range", error.Message);
    }

    [Fact]
    public void A_well_hashed_body_of_the_wrong_structure_is_refused_at_the_failing_byte()
    {
        // A body that is the number 7 instead of the program array.
        var error = Refusal(WithBody(File, [0x07]));
        Assert.Equal(44, error.Offset);
        Assert.Contains("cannot read program", error.Message);
    }

    [Fact]
    public void A_program_array_with_a_field_too_many_is_refused()
    {
        var body = File[44..];
        body[0] = 0x96; // fixarray of 6
        var error = Refusal(WithBody(File, body));
        Assert.Contains("program is an array of 6 fields; version 1 has 5", error.Message);
    }

    [Fact]
    public void An_unknown_op_kind_is_refused_naming_the_op()
    {
        var b = new ProgramBuilder("one-op", new InputSpec(1, 1, 1, 1, FrameEncoding.Binary, SplitMode.Number, 1, 1, 1));
        b.ToTokens("tokens", b.Input);
        var file = SpikeProgramFile.ToBytes(b.Build());
        // The op record [5, "tokens", ...] follows the fixarray header 0x96: its kind byte is 0x05.
        int kind = file.AsSpan(44).IndexOf([(byte)0x96, (byte)0x05]) + 45;
        file[kind] = 0x63;
        var error = Refusal(WithBody(file, file[44..]));
        Assert.Equal(kind, error.Offset);
        Assert.Contains("op 0 'tokens' has unknown kind 99", error.Message);
    }

    [Fact]
    public void An_op_with_the_wrong_operand_count_is_refused()
    {
        var b = new ProgramBuilder("one-op", new InputSpec(1, 1, 1, 1, FrameEncoding.Binary, SplitMode.Number, 1, 1, 1));
        b.AddOp(new AddOp("add", 0, 0, b.AddBuffer("add", BufferType.UInt8, [1, 1, 1], BufferKind.Step)));
        var file = SpikeProgramFile.ToBytes(b.Build());
        // Retag the Add (kind 6) as a MaxPool (kind 4), which takes one input.
        int kind = file.AsSpan(44).IndexOf([(byte)0x96, (byte)0x06]) + 45;
        file[kind] = 0x04;
        Assert.Contains("op 0 'add' (MaxPool) has 2 inputs, 1 outputs, 0 tensors and 0 attributes; expected 1, 1, 0 and 0",
            Refusal(WithBody(file, file[44..])).Message);
    }

    [Fact]
    public void A_huge_declared_array_length_is_refused_without_allocating_it()
    {
        var body = File[44..];
        // Replace the program header by an array32 claiming 2^31 − 1 fields.
        byte[] forged = [0xDD, 0x7F, 0xFF, 0xFF, 0xFF, .. body[1..]];
        Assert.Equal(44, Refusal(WithBody(File, forged)).Offset);
    }

    [Fact]
    public void The_writer_emits_the_worked_example_of_the_specification_byte_for_byte()
    {
        // docs/spike-program.md, "Worked example": change both together, and only with a version bump.
        var b = new ProgramBuilder("tiny", new InputSpec(1, 1, 2, 1, FrameEncoding.Binary, SplitMode.Number, 1, 2, 1));
        int acc = b.Conv2d("c", b.Input, 1, [0, 0, 0, 0, 1, 0, 0, 0, 0], [-1]);
        b.Readout("h", b.ToTokens("t", b.Lif("l", acc, [1], IntegerMath.MaxLeak)), 2, [1, -1]);
        const string expected =
            "4e45535001000000d6000000215ff9ed59ab867c727912c6cb96a0ee599ba5ab66b9250db6475f6d06b7c89795a474696e7999010102010100010201"
            + "9494a8632e776569676874009401010303c40900000000010000000094a6632e62696173019101c404ffffffff94a76c2e7468657461019101c40401"
            + "00000094a8682e77656967687400920201c40201ff9694a5696e70757400930101020294a16301930101020094a16c00930101020094a36c2e760193"
            + "0101020194a174009202010094a5682e73756d01910101949601a1639100910192000191009603a16c9101920203910293ce0001000000009605a174"
            + "910291049090960ba168910491059203ff90";
        Assert.Equal(expected, Convert.ToHexStringLower(SpikeProgramFile.ToBytes(b.Build())));
    }

    [Fact]
    public void Format_errors_are_neuro_exceptions_so_the_cli_prints_one_line() =>
        Assert.IsAssignableFrom<Neuro.Core.Errors.NeuroException>(Refusal([]));
}
