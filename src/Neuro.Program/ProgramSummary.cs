namespace Neuro.Program;

/// <summary>One tensor in a <see cref="ProgramSummary"/>.</summary>
public sealed record TensorSummary(int Index, string Name, TensorType Type, IReadOnlyList<int> Shape, long Bytes);

/// <summary>One buffer in a <see cref="ProgramSummary"/>.</summary>
public sealed record BufferSummary(int Index, string Name, BufferType Type, BufferKind Kind, IReadOnlyList<int> Shape, long Bytes);

/// <summary>One op in a <see cref="ProgramSummary"/>, its operands by name.</summary>
public sealed record OpSummary(
    int Index, string Name, OpKind Kind, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<string> Tensors,
    IReadOnlyDictionary<string, int> Attributes);

/// <summary>
/// What a program holds and needs, as <c>neuro program inspect</c> shows it, with its memory plan.
/// </summary>
/// <param name="Hash">Hex SHA-256 of the file body: the program's identity.</param>
/// <param name="ConstantBytes">Bytes of all tensors (weights, biases, thresholds): what goes to flash.</param>
/// <param name="WeightBytes">Bytes of the int8 weight tensors alone.</param>
/// <param name="StateBytes">Bytes of persistent buffers (membranes, readout sums), kept across steps.</param>
/// <param name="StepBufferBytes">Bytes of all step buffers and the input frame.</param>
/// <param name="Memory">Flash and SRAM per op and in total (what a board must hold).</param>
public sealed record ProgramSummary(
    string Name,
    int FormatVersion,
    string Hash,
    InputSpec Input,
    long ConstantBytes,
    long WeightBytes,
    long StateBytes,
    long StepBufferBytes,
    IReadOnlyList<TensorSummary> Tensors,
    IReadOnlyList<BufferSummary> Buffers,
    IReadOnlyList<OpSummary> Ops,
    MemoryPlan Memory)
{
    /// <summary>
    /// Summarizes a verified program read from a file of format <paramref name="version"/> and <paramref name="fileBytes"/>
    /// bytes whose body hashes to <paramref name="hash"/>.
    /// </summary>
    public static ProgramSummary Of(VerifiedProgram verified, int version, string hash, long fileBytes)
    {
        var program = verified.Program;
        var tensors = program.Tensors.Select((t, i) => new TensorSummary(i, t.Name, t.Type, t.Shape, t.Data.Length)).ToList();
        var buffers = program.Buffers.Select((b, i) => new BufferSummary(i, b.Name, b.Type, b.Kind, b.Shape, b.ByteLength)).ToList();
        var ops = program.Ops.Select((op, i) => new OpSummary(i, op.Name, op.Kind,
            [.. op.Inputs.Select(b => program.Buffers[b].Name)],
            [.. op.Outputs.Select(b => program.Buffers[b].Name)],
            [.. op.TensorOperands.Where(t => t != Op.NoTensor).Select(t => program.Tensors[t].Name)],
            op.AttributeNames.Zip(op.Attributes).ToDictionary(pair => pair.First, pair => pair.Second))).ToList();
        return new ProgramSummary(program.Name, version, hash, program.Input,
            tensors.Sum(t => t.Bytes),
            tensors.Where(t => t.Type == TensorType.Int8).Sum(t => t.Bytes),
            buffers.Where(b => b.Kind == BufferKind.Persistent).Sum(b => b.Bytes),
            buffers.Where(b => b.Kind != BufferKind.Persistent).Sum(b => b.Bytes),
            tensors, buffers, ops, MemoryPlan.Of(verified, fileBytes));
    }
}
