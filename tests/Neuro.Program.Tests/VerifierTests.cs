using System.Collections.Immutable;
using Neuro.Program.Tests.Support;
using static Neuro.Program.Tests.Support.OpHarness;

namespace Neuro.Program.Tests;

/// <summary>Each verification rule refuses what it should, naming the op or entry at fault.</summary>
public sealed class VerifierTests
{
    /// <summary>input → conv → lif → tokens → readout: op 0 conv, 1 lif, 2 tokens, 3 head.</summary>
    private static SpikeProgram Small()
    {
        var b = Builder(1, 2, 2, timeSteps: 2);
        int acc = b.Conv2d("sps.conv0", b.Input, 2, new sbyte[18], [1, 2]);
        int spikes = b.Lif("sps.lif0", acc, [4, 5], 32768);
        b.Readout("head", b.ToTokens("sps.tokens", spikes), 3, new sbyte[6]);
        return b.Build();
    }

    private static string Refusal(SpikeProgram program) =>
        Assert.Throws<ProgramVerificationException>(() => ProgramVerifier.Verify(program)).Message;

    private static SpikeProgram WithOp(SpikeProgram program, int index, Func<Op, Op> change) =>
        program with { Ops = program.Ops.SetItem(index, change(program.Ops[index])) };

    [Fact]
    public void A_well_formed_program_verifies_and_records_value_bounds()
    {
        var verified = ProgramVerifier.Verify(Small());
        Assert.Equal(255, verified.ValueBounds[0]); // counts input
        Assert.Equal(2, verified.ValueBounds[1]);   // conv: zero weights, |bias| ≤ 2
        Assert.Equal(0, verified.InputBuffer);
    }

    [Theory]
    [InlineData(0ul)]
    [InlineData(1ul)]
    [InlineData(2ul)]
    [InlineData(3ul)]
    public void Generated_programs_verify(ulong seed) => ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));

    [Fact]
    public void A_name_longer_than_the_runtimes_field_is_refused()
    {
        Assert.Contains("name must be at most 47 UTF-8 bytes", Refusal(Small() with { Name = new string('n', 48) }));
        ProgramVerifier.Verify(Small() with { Name = new string('n', 47) });
    }

    [Fact]
    public void Zero_time_steps_are_refused() =>
        Assert.Contains("time steps T must be ≥ 1, got 0", Refusal(Small() with { Input = Small().Input with { TimeSteps = 0 } }));

    [Fact]
    public void A_threshold_of_zero_is_refused_naming_the_op_and_element()
    {
        var program = Small();
        int theta = ((LifOp)program.Ops[1]).Thresholds;
        program = program with { Tensors = program.Tensors.SetItem(theta, Tensor.FromInt32("sps.lif0.theta", [2], [4, 0])) };
        var message = Refusal(program);
        Assert.Contains("op 1 'sps.lif0' (Lif)", message);
        Assert.Contains("threshold 0 at element 1", message);
    }

    [Theory]
    [InlineData(0, 0, "leak 0 is outside 1..65536")]
    [InlineData(65537, 0, "leak 65537 is outside 1..65536")]
    [InlineData(32768, 15, "fractional bits 15 are outside 0..14")]
    [InlineData(32768, -1, "fractional bits -1 are outside 0..14")]
    public void Leak_and_shift_constants_out_of_range_are_refused(int leak, int fractionalBits, string expected) =>
        Assert.Contains(expected, Refusal(WithOp(Small(), 1, op => (LifOp)op with { Leak = leak, FractionalBits = fractionalBits })));

    [Fact]
    public void A_channel_axis_beyond_the_rank_is_refused() =>
        Assert.Contains("channel axis 3 is outside 0..2", Refusal(WithOp(Small(), 1, op => (LifOp)op with { ChannelAxis = 3 })));

    [Fact]
    public void Thresholds_that_match_neither_one_value_nor_the_channels_are_refused()
    {
        var b = Builder(1, 2, 2);
        b.Lif("lif", b.Conv2d("conv", b.Input, 2, new sbyte[18]), [4, 5, 6], 32768);
        Assert.Contains("must be i32 [1] or [2]", Refusal(b.Build()));
    }

    [Fact]
    public void An_out_of_range_buffer_index_is_refused_naming_the_op() =>
        Assert.Contains("op 2 'sps.tokens' (ToTokens): buffer index 99 is out of range",
            Refusal(WithOp(Small(), 2, op => (ToTokensOp)op with { Input = 99 })));

    [Fact]
    public void An_out_of_range_tensor_index_is_refused() =>
        Assert.Contains("tensor index 42 is out of range", Refusal(WithOp(Small(), 0, op => (Conv2dOp)op with { Weights = 42 })));

    [Fact]
    public void A_missing_weight_tensor_is_refused_while_a_missing_bias_is_allowed()
    {
        Assert.Contains("tensor index -1 is out of range", Refusal(WithOp(Small(), 0, op => (Conv2dOp)op with { Weights = Op.NoTensor })));
        ProgramVerifier.Verify(WithOp(Small(), 0, op => (Conv2dOp)op with { Bias = Op.NoTensor }));
    }

    [Fact]
    public void Reading_a_buffer_before_it_is_written_is_refused()
    {
        var program = Small();
        program = program with { Ops = [program.Ops[1], program.Ops[0], program.Ops[2], program.Ops[3]] };
        Assert.Contains("op 0 'sps.lif0' (Lif): reads buffer 1 'sps.conv0' before any op writes it", Refusal(program));
    }

    [Fact]
    public void A_buffer_written_by_two_ops_is_refused()
    {
        var program = Small();
        program = program with { Ops = program.Ops.Insert(3, new ToTokensOp("again", 2, ((ToTokensOp)program.Ops[2]).Output)) };
        Assert.Contains("op 3 'again' (ToTokens): writes buffer", Refusal(program));
        Assert.Contains("already written by op 2", Refusal(program));
    }

    [Fact]
    public void Shapes_that_disagree_between_producer_and_consumer_are_refused()
    {
        var b = Builder(1, 2, 2);
        int pooled = b.MaxPool("pool", b.Input);
        b.Add("add", b.Input, pooled);
        Assert.Contains("op 1 'add' (Add): right input buffer 1 'pool' must have shape [1, 2, 2], has [1, 1, 1]", Refusal(b.Build()));
    }

    [Fact]
    public void An_element_type_mismatch_is_refused()
    {
        var b = Builder(1, 2, 2);
        b.Conv2d("conv", b.Input, 1, new sbyte[9]);
        b.AddOp(new MaxPoolOp("pool", 1, b.AddBuffer("pool", BufferType.UInt8, [1, 1, 1], BufferKind.Step)));
        Assert.Contains("input buffer 1 'conv' must be u8 of rank 3, is i32 [1, 2, 2]", Refusal(b.Build()));
    }

    [Fact]
    public void A_tensor_whose_data_does_not_match_its_shape_is_refused()
    {
        var program = Small();
        program = program with { Tensors = program.Tensors.SetItem(0, Tensor.FromInt8("sps.conv0.weight", [2, 1, 3, 3], new sbyte[17])) };
        Assert.Contains("tensor 0 'sps.conv0.weight': holds 17 bytes but shape [2, 1, 3, 3] needs 18", Refusal(program));
    }

    [Fact]
    public void Heads_that_do_not_divide_the_channels_are_refused()
    {
        var b = Builder(3, 1, 2);
        int x = b.ToTokens("x", b.Input);
        b.AddOp(new MatMulQKOp("qk", x, x, b.AddBuffer("qk", BufferType.Int32, [2, 2, 2], BufferKind.Step), 2));
        Assert.Contains("heads 2 must be ≥ 1 and divide the 3 channels", Refusal(b.Build()));
    }

    [Fact]
    public void An_accumulator_as_the_key_or_value_of_attention_is_refused()
    {
        // The C runtime's verifier refused this first: keys and values are spike tokens, never i32 sums.
        var b = Builder(1, 1, 2);
        int tokens = b.ToTokens("x", b.Input);
        int sums = b.Linear("sums", tokens, 1, [1]);
        b.AddOp(new MatMulQKOp("qk", tokens, sums, b.AddBuffer("qk", BufferType.Int32, [1, 2, 2], BufferKind.Step), 1));
        Assert.Contains("key buffer", Refusal(b.Build()));
        Assert.Contains("must be u8", Refusal(b.Build()));

        var c = Builder(1, 1, 2);
        int t = c.ToTokens("x", c.Input);
        int v = c.Linear("sums", t, 1, [1]);
        c.AddOp(new MatMulKVOp("kv", t, v, c.AddBuffer("kv", BufferType.Int32, [1, 1, 1], BufferKind.Step), 1));
        Assert.Contains("value buffer", Refusal(c.Build()));
    }

    [Fact]
    public void An_accumulator_that_could_overflow_int32_is_refused()
    {
        var b = Builder(1, 1, 1);
        b.Conv2d("conv", b.Input, 1, OpHarness.Centre(127), [int.MaxValue - 127 * 255 + 1]);
        Assert.Contains("op 0 'conv' (Conv2d): the worst-case accumulator 2147483648 exceeds int32", Refusal(b.Build()));
    }

    [Fact]
    public void A_readout_that_is_not_last_is_refused()
    {
        var program = Small();
        program = program with { Ops = program.Ops.Add(new ToTokensOp("late", 2, 3)) };
        Assert.Contains("op 3 'head' (Readout): must be the last op", Refusal(program));
    }

    [Fact]
    public void A_membrane_that_is_not_persistent_is_refused()
    {
        var program = Small();
        int membrane = ((LifOp)program.Ops[1]).Membrane;
        program = program with { Buffers = program.Buffers.SetItem(membrane, program.Buffers[membrane] with { Kind = BufferKind.Step }) };
        Assert.Contains("state buffer 3 'sps.lif0.v' must be persistent", Refusal(program));
    }

    [Fact]
    public void State_read_by_another_op_is_refused()
    {
        var program = Small();
        int membrane = ((LifOp)program.Ops[1]).Membrane;
        program = program with { Buffers = program.Buffers.Add(new BufferDecl("peek", BufferType.Int32, [2, 2, 2], BufferKind.Step)) };
        program = program with { Ops = program.Ops.Insert(2, new LifOp("peek", membrane, 2, program.Buffers.Length - 1, 1, 1, 0, 0)) };
        Assert.Contains("reads state buffer 3 'sps.lif0.v', which only its owning op may touch", Refusal(program));
    }

    [Fact]
    public void A_declared_buffer_that_nothing_writes_is_refused()
    {
        var program = Small();
        program = program with { Buffers = program.Buffers.Add(new BufferDecl("orphan", BufferType.UInt8, [4], BufferKind.Step)) };
        Assert.Contains("buffer 6 'orphan': is never written", Refusal(program));
    }

    [Fact]
    public void An_input_buffer_unlike_the_input_spec_is_refused()
    {
        var program = Small();
        program = program with { Buffers = program.Buffers.SetItem(0, program.Buffers[0] with { Shape = [1, 2, 3] }) };
        Assert.Contains("buffer 0 'input': must be u8 [1, 2, 2] like the input spec", Refusal(program));
    }

    [Fact]
    public void Duplicate_names_are_refused()
    {
        var program = Small();
        program = program with { Buffers = program.Buffers.SetItem(2, program.Buffers[2] with { Name = "sps.conv0" }) };
        Assert.Contains("buffer 2 'sps.conv0': name is not unique", Refusal(program));
    }

    [Fact]
    public void Every_fault_is_listed_not_just_the_first()
    {
        var program = WithOp(WithOp(Small(), 1, op => (LifOp)op with { Leak = 0 }), 0, op => (Conv2dOp)op with { Dense = true });
        program = WithOp(program, 2, op => (ToTokensOp)op with { Input = -5 });
        var error = Assert.Throws<ProgramVerificationException>(() => ProgramVerifier.Verify(program));
        Assert.Equal(
            ["op 1 'sps.lif0' (Lif): leak 0 is outside 1..65536", "op 2 'sps.tokens' (ToTokens): buffer index -5 is out of range (the program has 6 buffers)"],
            error.Errors);
        Assert.IsAssignableFrom<Neuro.Core.Errors.NeuroException>(error);
    }

    [Fact]
    public void A_sensor_smaller_than_the_downsampled_frame_is_refused() =>
        Assert.Contains("does not fit the 2×2 sensor",
            Refusal(Small() with { Input = Small().Input with { Downsample = 2 } }));

    [Fact]
    public void Buffer_shapes_with_zero_dimensions_are_refused()
    {
        var program = Small();
        program = program with { Buffers = program.Buffers.SetItem(2, program.Buffers[2] with { Shape = ImmutableArray.Create(2, 0, 2) }) };
        Assert.Contains("buffer 2 'sps.lif0': shape must have dimensions ≥ 1", Refusal(program));
    }
}
