using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using MessagePack;
using Neuro.Core.Errors;

namespace Neuro.Program;

/// <summary>A <c>.nsp</c> file is malformed; the message names the source, the byte offset and what is wrong there.</summary>
public sealed class ProgramFormatException : NeuroException
{
    public ProgramFormatException(string source, long offset, string problem)
        : base($"{source}: byte {offset}: {problem}")
    {
        Offset = offset;
    }

    /// <summary>Offset in the file (not the body) of the fault.</summary>
    public long Offset { get; }
}

/// <summary>
/// Reads and writes <c>.nsp</c> files: a fixed 44-byte header (magic, version, flags, body length,
/// SHA-256 of the body) and a MessagePack body of positional arrays, ints, strings and bin blobs only,
/// so a small C parser can read it. docs/spike-program.md ("File layout") is the byte-level specification.
/// Loading checks the container; run <see cref="ProgramVerifier.Verify"/> on the result before executing it.
/// </summary>
public static class SpikeProgramFile
{
    /// <summary>"NESP": Neuro spike program.</summary>
    public static ReadOnlySpan<byte> Magic => "NESP"u8;

    public const int HeaderSize = 44;
    public const int VersionOffset = 4;
    public const int FlagsOffset = 6;
    public const int BodyLengthOffset = 8;
    public const int HashOffset = 12;

    // Array lengths of the version-1 records. A later version only appends, so a reader checks the
    // lengths of the version it reads; this reader knows version 1 alone.
    private const int ProgramFields = 5;
    private const int InputFields = 9;
    private const int TensorFields = 4;
    private const int BufferFields = 4;
    private const int OpFields = 6;

    /// <summary>The whole file: header then body.</summary>
    public static byte[] ToBytes(SpikeProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        byte[] body = WriteBody(program);
        var file = new byte[HeaderSize + body.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(VersionOffset), FormatVersion.Current);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(FlagsOffset), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(BodyLengthOffset), (uint)body.Length);
        SHA256.HashData(body, file.AsSpan(HashOffset, 32));
        body.CopyTo(file, HeaderSize);
        return file;
    }

    /// <summary>Writes the file atomically.</summary>
    public static void Save(SpikeProgram program, string path) => Save(ToBytes(program), path);

    /// <summary>Writes file bytes made by <see cref="ToBytes"/> atomically (for callers that already hold them).</summary>
    public static void Save(byte[] file, string path)
    {
        // Through a temporary file: a crash or a full disk never leaves half a program where a loader will look.
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, file);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Loads a program from a file; <see cref="ProgramFormatException"/> if it is malformed.</summary>
    public static SpikeProgram Load(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Parses a whole file; <paramref name="source"/> names it in error messages.</summary>
    public static SpikeProgram Read(ReadOnlyMemory<byte> file, string source = "spike program")
    {
        var span = file.Span;
        int magicLength = Math.Min(span.Length, Magic.Length);
        if (!span[..magicLength].SequenceEqual(Magic[..magicLength]))
            throw new ProgramFormatException(source, 0,
                $"not a spike program: magic is {Convert.ToHexString(span[..magicLength])}, expected {Convert.ToHexString(Magic)} (\"NESP\")");
        if (span.Length < HeaderSize)
            throw new ProgramFormatException(source, span.Length, $"truncated header: the file has {span.Length} bytes, the header needs {HeaderSize}");

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(span[VersionOffset..]);
        if (version > FormatVersion.Current)
            throw new ProgramFormatException(source, VersionOffset,
                $"format version {version} is newer than this reader's {FormatVersion.Current}; use a newer neuro");
        if (version == 0)
            throw new ProgramFormatException(source, VersionOffset, "format version 0 does not exist");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[FlagsOffset..]);
        if (flags != 0)
            throw new ProgramFormatException(source, FlagsOffset, $"flags 0x{flags:X4} are not defined in version {version}");

        long bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(span[BodyLengthOffset..]);
        long actual = span.Length - HeaderSize;
        if (actual < bodyLength)
            throw new ProgramFormatException(source, span.Length,
                $"truncated body: the header declares {bodyLength} bytes, the file holds {actual} after the header");
        if (actual > bodyLength)
            throw new ProgramFormatException(source, HeaderSize + bodyLength, $"{actual - bodyLength} unexpected bytes after the body");

        var body = file[HeaderSize..];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body.Span, hash);
        if (!hash.SequenceEqual(span.Slice(HashOffset, 32)))
            throw new ProgramFormatException(source, HashOffset, "the body's SHA-256 does not match the header: the file is corrupted");

        return new BodyReader(body, source).ReadProgram();
    }

    /// <summary>Hex SHA-256 of a file's body, as stored in its header (the program's identity). Call on a file <see cref="Read"/> accepted.</summary>
    public static string HashOf(ReadOnlySpan<byte> file) =>
        Convert.ToHexStringLower(file.Slice(HashOffset, 32));

    /// <summary>The format version in a file's header. Call on a file <see cref="Read"/> accepted.</summary>
    public static int VersionOf(ReadOnlySpan<byte> file) => BinaryPrimitives.ReadUInt16LittleEndian(file[VersionOffset..]);

    private static byte[] WriteBody(SpikeProgram program)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(ProgramFields);
        writer.Write(program.Name);

        var input = program.Input;
        writer.WriteArrayHeader(InputFields);
        foreach (int value in new[]
                 {
                     input.Channels, input.Height, input.Width, input.TimeSteps, (int)input.Encoding, (int)input.Split,
                     input.Downsample, input.SensorWidth, input.SensorHeight,
                 })
            writer.Write(value);

        writer.WriteArrayHeader(program.Tensors.Length);
        foreach (var tensor in program.Tensors)
        {
            writer.WriteArrayHeader(TensorFields);
            writer.Write(tensor.Name);
            writer.Write((int)tensor.Type);
            WriteInts(ref writer, tensor.Shape);
            writer.Write(tensor.Data);
        }

        writer.WriteArrayHeader(program.Buffers.Length);
        foreach (var decl in program.Buffers)
        {
            writer.WriteArrayHeader(BufferFields);
            writer.Write(decl.Name);
            writer.Write((int)decl.Type);
            WriteInts(ref writer, decl.Shape);
            writer.Write((int)decl.Kind);
        }

        writer.WriteArrayHeader(program.Ops.Length);
        foreach (var op in program.Ops)
        {
            writer.WriteArrayHeader(OpFields);
            writer.Write((int)op.Kind);
            writer.Write(op.Name);
            WriteInts(ref writer, op.Inputs);
            WriteInts(ref writer, op.Outputs);
            WriteInts(ref writer, op.TensorOperands);
            WriteInts(ref writer, op.Attributes);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteInts(ref MessagePackWriter writer, ImmutableArray<int> values)
    {
        writer.WriteArrayHeader(values.Length);
        foreach (int value in values)
            writer.Write(value);
    }

    /// <summary>Decodes the body, turning every failure into a <see cref="ProgramFormatException"/> at the failing byte.</summary>
    private ref struct BodyReader(ReadOnlyMemory<byte> body, string source)
    {
        private readonly string _source = source;
        private MessagePackReader _reader = new(body);

        private readonly long Offset => HeaderSize + _reader.Consumed;

        public SpikeProgram ReadProgram()
        {
            ArrayHeader(ProgramFields, "program");
            string name = String("program name");

            ArrayHeader(InputFields, "input spec");
            var input = new InputSpec(
                Int("input channels"), Int("input height"), Int("input width"), Int("time steps"),
                (FrameEncoding)Int("input encoding"), (SplitMode)Int("split mode"), Int("downsample"),
                Int("sensor width"), Int("sensor height"));

            int tensorCount = ArrayHeader(-1, "tensor table");
            var tensors = ImmutableArray.CreateBuilder<Tensor>(tensorCount);
            for (int t = 0; t < tensorCount; t++)
            {
                ArrayHeader(TensorFields, $"tensor {t}");
                string tensorName = String($"tensor {t} name");
                var type = (TensorType)Int($"tensor {t} type");
                var shape = Ints($"tensor {t} shape");
                tensors.Add(new Tensor(tensorName, type, shape, Bytes($"tensor {t} data")));
            }

            int bufferCount = ArrayHeader(-1, "buffer table");
            var buffers = ImmutableArray.CreateBuilder<BufferDecl>(bufferCount);
            for (int b = 0; b < bufferCount; b++)
            {
                ArrayHeader(BufferFields, $"buffer {b}");
                buffers.Add(new BufferDecl(String($"buffer {b} name"), (BufferType)Int($"buffer {b} type"), Ints($"buffer {b} shape"),
                    (BufferKind)Int($"buffer {b} kind")));
            }

            int opCount = ArrayHeader(-1, "op list");
            var ops = ImmutableArray.CreateBuilder<Op>(opCount);
            for (int i = 0; i < opCount; i++)
                ops.Add(ReadOp(i));

            if (!_reader.End)
                throw Error($"{body.Length - _reader.Consumed} bytes follow the program inside the body");
            return new SpikeProgram(name, input, tensors.MoveToImmutable(), buffers.MoveToImmutable(), ops.MoveToImmutable());
        }

        private Op ReadOp(int index)
        {
            ArrayHeader(OpFields, $"op {index}");
            long kindOffset = Offset;
            int kind = Int($"op {index} kind");
            string name = String($"op {index} name");
            var inputs = Ints($"op {index} inputs");
            var outputs = Ints($"op {index} outputs");
            var tensors = Ints($"op {index} tensors");
            long attributesOffset = Offset;
            var attributes = Ints($"op {index} attributes");

            // Operand counts per op kind: (inputs, outputs, tensors, attributes).
            var arity = (OpKind)kind switch
            {
                OpKind.Conv2d => (1, 1, 2, 1),
                OpKind.Linear => (1, 1, 2, 0),
                OpKind.Lif => (1, 2, 1, 3),
                OpKind.MaxPool or OpKind.ToTokens => (1, 1, 0, 0),
                OpKind.Add => (2, 1, 0, 0),
                OpKind.MatMulQK or OpKind.MatMulAV or OpKind.MatMulKV or OpKind.MatMulQKV => (2, 1, 0, 1),
                OpKind.Readout => (1, 1, 2, 0),
                _ => throw new ProgramFormatException(_source, kindOffset, $"op {index} '{name}' has unknown kind {kind}"),
            };
            if ((inputs.Length, outputs.Length, tensors.Length, attributes.Length) != arity)
                throw new ProgramFormatException(_source, attributesOffset,
                    $"op {index} '{name}' ({(OpKind)kind}) has {inputs.Length} inputs, {outputs.Length} outputs, {tensors.Length} tensors and "
                    + $"{attributes.Length} attributes; expected {arity.Item1}, {arity.Item2}, {arity.Item3} and {arity.Item4}");

            return (OpKind)kind switch
            {
                OpKind.Conv2d => new Conv2dOp(name, inputs[0], outputs[0], tensors[0], tensors[1], attributes[0] != 0),
                OpKind.Linear => new LinearOp(name, inputs[0], outputs[0], tensors[0], tensors[1]),
                OpKind.Lif => new LifOp(name, inputs[0], outputs[0], outputs[1], tensors[0], attributes[0], attributes[1], attributes[2]),
                OpKind.MaxPool => new MaxPoolOp(name, inputs[0], outputs[0]),
                OpKind.ToTokens => new ToTokensOp(name, inputs[0], outputs[0]),
                OpKind.Add => new AddOp(name, inputs[0], inputs[1], outputs[0]),
                OpKind.MatMulQK => new MatMulQKOp(name, inputs[0], inputs[1], outputs[0], attributes[0]),
                OpKind.MatMulAV => new MatMulAVOp(name, inputs[0], inputs[1], outputs[0], attributes[0]),
                OpKind.MatMulKV => new MatMulKVOp(name, inputs[0], inputs[1], outputs[0], attributes[0]),
                OpKind.MatMulQKV => new MatMulQKVOp(name, inputs[0], inputs[1], outputs[0], attributes[0]),
                _ => new ReadoutOp(name, inputs[0], outputs[0], tensors[0], tensors[1]),
            };
        }

        /// <summary>Reads an array header; <paramref name="expected"/> ≥ 0 demands that exact length.</summary>
        private int ArrayHeader(int expected, string what)
        {
            long offset = Offset;
            int count = Guard(ref this, what, static (ref MessagePackReader r) => r.ReadArrayHeader());
            if (expected >= 0 && count != expected)
                throw new ProgramFormatException(_source, offset, $"{what} is an array of {count} fields; version {FormatVersion.Current} has {expected}");
            return count;
        }

        private int Int(string what) => Guard(ref this, what, static (ref MessagePackReader r) => r.ReadInt32());

        private string String(string what)
        {
            long offset = Offset;
            return Guard(ref this, what, static (ref MessagePackReader r) => r.ReadString())
                ?? throw new ProgramFormatException(_source, offset, $"{what} is nil, expected a string");
        }

        private byte[] Bytes(string what)
        {
            long offset = Offset;
            var bytes = Guard(ref this, what, static (ref MessagePackReader r) => r.ReadBytes());
            return bytes?.ToArray() ?? throw new ProgramFormatException(_source, offset, $"{what} is nil, expected bin");
        }

        private ImmutableArray<int> Ints(string what)
        {
            int count = ArrayHeader(-1, what);
            var values = ImmutableArray.CreateBuilder<int>(count);
            for (int i = 0; i < count; i++)
                values.Add(Int($"{what}[{i}]"));
            return values.MoveToImmutable();
        }

        private delegate T ReadFunc<out T>(ref MessagePackReader reader);

        private static T Guard<T>(ref BodyReader self, string what, ReadFunc<T> read)
        {
            long offset = self.Offset;
            try
            {
                return read(ref self._reader);
            }
            catch (Exception error) when (error is MessagePackSerializationException or EndOfStreamException or OverflowException)
            {
                throw new ProgramFormatException(self._source, offset, $"cannot read {what}: {error.Message}");
            }
        }

        private readonly ProgramFormatException Error(string problem) => new(_source, Offset, problem);
    }
}
