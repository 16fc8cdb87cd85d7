namespace Neuro.Program;

/// <summary>
/// The memory of a running program as executors on the host hold it: one array per buffer, u8 or i32 by the buffer's
/// type (the other slot stays null). Fresh arrays are zero, which is persistent state's value at a sample's start.
/// </summary>
public sealed class BufferArrays
{
    public BufferArrays(SpikeProgram program)
    {
        Bytes = new byte[program.Buffers.Length][];
        Ints = new int[program.Buffers.Length][];
        for (int b = 0; b < program.Buffers.Length; b++)
        {
            var buffer = program.Buffers[b];
            if (buffer.Type == BufferType.UInt8)
                Bytes[b] = new byte[buffer.Length];
            else
                Ints[b] = new int[buffer.Length];
        }
    }

    /// <summary>The u8 buffers by index; null where the buffer is i32.</summary>
    public byte[][] Bytes { get; }

    /// <summary>The i32 buffers by index; null where the buffer is u8.</summary>
    public int[][] Ints { get; }
}
