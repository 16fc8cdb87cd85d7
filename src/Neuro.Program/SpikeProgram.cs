// Spike-program format: revision history. Fields are only ever appended (to the end of a MessagePack
// array); a field that stops being used is marked deprecated here and keeps its slot. A reader refuses a
// file whose version is newer than FormatVersion.Current. docs/spike-program.md is the specification.
//
//   version 1 (2026-11): header NESP; program = [name, input, tensors, buffers, ops];
//                        ops Conv2d, Linear, Lif, MaxPool, ToTokens, Add, MatMulQK, MatMulAV, MatMulKV,
//                        MatMulQKV, Readout.

using System.Collections.Immutable;
using System.Buffers.Binary;

namespace Neuro.Program;

/// <summary>The version of the <c>.nsp</c> format and of the semantics this assembly implements.</summary>
public static class FormatVersion
{
    /// <summary>The newest version this reader understands and the version every writer emits.</summary>
    public const ushort Current = 1;
}

/// <summary>What one input value counts.</summary>
public enum FrameEncoding
{
    /// <summary>Events per pixel and time bin, saturated at 255. The first conv is a multiply-accumulate layer.</summary>
    Counts = 0,

    /// <summary>At most one event per pixel and time bin (values 0 or 1). The first conv is accumulate-only.</summary>
    Binary = 1,
}

/// <summary>How a recording was cut into the T time bins of a sample (recorded for provenance; the semantics does not depend on it).</summary>
public enum SplitMode
{
    /// <summary>Each bin holds the same number of events.</summary>
    Number = 0,

    /// <summary>Each bin spans the same duration.</summary>
    Time = 1,
}

/// <summary>
/// The input of one sample: a uint8 tensor [T, C, H, W]. Step t's frame [C, H, W] is copied into the
/// program's single <see cref="BufferKind.Input"/> buffer before the step's ops run.
/// </summary>
/// <param name="Channels">C: 2 polarities for DVS.</param>
/// <param name="Height">H after downsampling.</param>
/// <param name="Width">W after downsampling.</param>
/// <param name="TimeSteps">T ≥ 1.</param>
/// <param name="Encoding">Counts (0..255) or binary (0..1) values.</param>
/// <param name="Split">How events were binned into steps (provenance).</param>
/// <param name="Downsample">Factor the sensor was pooled by (provenance; H·Downsample ≤ SensorHeight).</param>
/// <param name="SensorWidth">Sensor width in pixels before downsampling.</param>
/// <param name="SensorHeight">Sensor height in pixels before downsampling.</param>
public sealed record InputSpec(
    int Channels,
    int Height,
    int Width,
    int TimeSteps,
    FrameEncoding Encoding,
    SplitMode Split,
    int Downsample,
    int SensorWidth,
    int SensorHeight)
{
    /// <summary>Elements of one step's frame: C·H·W.</summary>
    public int FrameLength => Channels * Height * Width;

    /// <summary>Largest value an input element may hold: 1 for binary frames, 255 for counts.</summary>
    public int MaxValue => Encoding == FrameEncoding.Binary ? 1 : byte.MaxValue;
}

/// <summary>Element type of a constant tensor.</summary>
public enum TensorType
{
    /// <summary>Signed 8-bit weights, one byte each.</summary>
    Int8 = 0,

    /// <summary>Signed 32-bit biases and thresholds, four bytes each, little-endian.</summary>
    Int32 = 1,
}

/// <summary>Element type of a buffer.</summary>
public enum BufferType
{
    /// <summary>Activations: spikes (0/1), residual sums and event counts (0..255).</summary>
    UInt8 = 0,

    /// <summary>Accumulators and membranes.</summary>
    Int32 = 1,
}

/// <summary>When a buffer's contents are defined.</summary>
public enum BufferKind
{
    /// <summary>Scratch: written by exactly one op each step before any op reads it; undefined between steps.</summary>
    Step = 0,

    /// <summary>State (membranes, readout sums): zero at the start of a sample, kept across steps.</summary>
    Persistent = 1,

    /// <summary>The sample's frame of the current step; exactly one per program.</summary>
    Input = 2,
}

/// <summary>A constant tensor (weights, biases, thresholds), row-major, stored as little-endian bytes.</summary>
public sealed class Tensor
{
    private readonly byte[] _data;

    /// <summary>Creates a tensor over a copy of <paramref name="data"/>; lengths are checked by the verifier, not here.</summary>
    public Tensor(string name, TensorType type, IEnumerable<int> shape, ReadOnlySpan<byte> data)
    {
        Name = name;
        Type = type;
        Shape = [.. shape];
        _data = data.ToArray();
    }

    public string Name { get; }

    public TensorType Type { get; }

    public ImmutableArray<int> Shape { get; }

    /// <summary>The raw little-endian bytes, exactly as stored in the file.</summary>
    public ReadOnlySpan<byte> Data => _data;

    /// <summary>Bytes per element: 1 or 4.</summary>
    public int ElementSize => Type == TensorType.Int8 ? 1 : 4;

    /// <summary>Elements the data holds (its byte length divided by <see cref="ElementSize"/>).</summary>
    public int Length => _data.Length / ElementSize;

    /// <summary>Product of <see cref="Shape"/>, in 64 bits so a hostile shape cannot wrap.</summary>
    public long ShapeLength => ShapeMath.Product(Shape);

    /// <summary>Element <paramref name="index"/> of an <see cref="TensorType.Int8"/> tensor.</summary>
    public int Int8At(int index) => (sbyte)_data[index];

    /// <summary>Element <paramref name="index"/> of an <see cref="TensorType.Int32"/> tensor.</summary>
    public int Int32At(int index) => BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(index * 4, 4));

    /// <summary>An int8 tensor from values.</summary>
    public static Tensor FromInt8(string name, IEnumerable<int> shape, ReadOnlySpan<sbyte> values) =>
        new(name, TensorType.Int8, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    /// <summary>An int32 tensor from values (written little-endian whatever the host).</summary>
    public static Tensor FromInt32(string name, IEnumerable<int> shape, ReadOnlySpan<int> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        return new Tensor(name, TensorType.Int32, shape, bytes);
    }
}

/// <summary>A named activation, accumulator or state array.</summary>
/// <param name="Name">Unique within the program.</param>
/// <param name="Type">u8 or i32.</param>
/// <param name="Shape">Row-major dimensions, each ≥ 1.</param>
/// <param name="Kind">Scratch, state or the input frame.</param>
public sealed record BufferDecl(string Name, BufferType Type, ImmutableArray<int> Shape, BufferKind Kind)
{
    /// <summary>Elements: the product of <see cref="Shape"/> (64-bit so a hostile shape cannot wrap).</summary>
    public long Length => ShapeMath.Product(Shape);

    /// <summary>Bytes the buffer occupies: 1 or 4 per element.</summary>
    public long ByteLength => Length * (Type == BufferType.UInt8 ? 1 : 4);
}

/// <summary>
/// A whole spike program: the input it expects, its constants, its buffers and the ops run in order at
/// every time step. Immutable; check it with <see cref="ProgramVerifier.Verify"/> before running it.
/// </summary>
public sealed record SpikeProgram(
    string Name,
    InputSpec Input,
    ImmutableArray<Tensor> Tensors,
    ImmutableArray<BufferDecl> Buffers,
    ImmutableArray<Op> Ops);

internal static class ShapeMath
{
    /// <summary>Product of dimensions, saturating at long.MaxValue so that hostile shapes fail checks instead of wrapping.</summary>
    public static long Product(ImmutableArray<int> shape)
    {
        if (shape.IsDefault)
            return -1;
        long product = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
                return -1;
            product = dimension == 0 ? 0 : product > long.MaxValue / dimension ? long.MaxValue : product * dimension;
        }
        return product;
    }

    public static string Format(ImmutableArray<int> shape) => shape.IsDefault ? "[]" : "[" + string.Join(", ", shape) + "]";
}
