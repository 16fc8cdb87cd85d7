using System.Globalization;
using Neuro.Core.Errors;

namespace Neuro.FirmwareGen;

/// <summary>
/// Section totals of a linked firmware as <c>size</c> (Berkeley format) reports them: text (code and
/// constants, including a baked program), data (initialised RAM, stored in flash too) and bss (zeroed RAM:
/// runtime tables, the arena, RAM slots and, on the Arm boards, the stack).
/// </summary>
public sealed record Footprint(long Text, long Data, long Bss)
{
    public long FlashBytes => Text + Data;

    public long SramBytes => Data + Bss;

    /// <summary>Parses the line for one file of <c>size</c>'s Berkeley output (header, then text data bss dec hex filename).</summary>
    /// <exception cref="NeuroException">The output has no such line.</exception>
    public static Footprint Parse(string sizeOutput)
    {
        var lines = sizeOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int header = Array.FindIndex(lines, line => line.StartsWith("text", StringComparison.Ordinal));
        if (header < 0 || header + 1 >= lines.Length)
            throw new NeuroException($"size printed no Berkeley table: '{sizeOutput.Trim()}'");
        var fields = lines[header + 1].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 3
            || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long text)
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long data)
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long bss))
            throw new NeuroException($"size printed an unreadable line: '{lines[header + 1]}'");
        return new Footprint(text, data, bss);
    }
}
