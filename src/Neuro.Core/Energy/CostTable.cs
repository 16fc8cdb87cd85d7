namespace Neuro.Core.Energy;

/// <summary>One energy figure with where it comes from.</summary>
/// <param name="Key">Stable identifier, e.g. <c>fp32.mac</c> or <c>sram.32KiB.read64</c>.</param>
/// <param name="Picojoules">Energy of one operation or access, in pJ.</param>
/// <param name="Source">Citation: paper, table and process node, or how the figure was derived from cited ones.</param>
public sealed record CostEntry(string Key, double Picojoules, string Source);

/// <summary>
/// Energy per operation for a process node, every number with its source. <see cref="Horowitz45nm"/> is the table the
/// seeds' formula and the simulator's full mode use.
/// </summary>
public sealed class CostTable
{
    private const string Horowitz = "M. Horowitz, \"Computing's energy problem (and what we can do about it)\", ISSCC 2014, 45 nm, 0.9 V";

    private readonly Dictionary<string, CostEntry> _entries;

    public CostTable(string name, IEnumerable<CostEntry> entries)
    {
        Name = name;
        _entries = entries.ToDictionary(entry => entry.Key);
    }

    public string Name { get; }

    public IReadOnlyCollection<CostEntry> Entries => _entries.Values;

    /// <summary>Energy of <paramref name="key"/> in pJ.</summary>
    /// <exception cref="KeyNotFoundException">The table has no such entry.</exception>
    public double this[string key] => _entries.TryGetValue(key, out var entry)
        ? entry.Picojoules
        : throw new KeyNotFoundException($"cost table '{Name}' has no entry '{key}'");

    public CostEntry Entry(string key) => _entries[key];

    /// <summary>Keys used by the seeds' energy formula.</summary>
    public static class Keys
    {
        /// <summary>32-bit float multiply-accumulate: E_MAC = 4.6 pJ.</summary>
        public const string Mac = "fp32.mac";

        /// <summary>32-bit float accumulate: E_AC = 0.9 pJ.</summary>
        public const string Ac = "fp32.add";

        /// <summary>Integer add of <paramref name="bits"/> (8, 16 or 32) bits: the simulator's full mode charges accumulators by their width.</summary>
        public static string IntAdd(int bits) => $"int{CheckWidth(bits)}.add";

        /// <summary>Integer multiply of <paramref name="bits"/> (8, 16 or 32) bits.</summary>
        public static string IntMult(int bits) => $"int{CheckWidth(bits)}.mult";

        private static int CheckWidth(int bits) => bits is 8 or 16 or 32
            ? bits
            : throw new ArgumentOutOfRangeException(nameof(bits), bits, "the 45 nm table has 8-, 16- and 32-bit integer entries");
    }

    /// <summary>The 45 nm table of Horowitz (ISSCC 2014), as the spiking-transformer literature uses it.</summary>
    public static CostTable Horowitz45nm { get; } = new("horowitz-45nm",
    [
        new(Keys.Mac, 4.6, Horowitz + ": fp32 mult 3.7 pJ + fp32 add 0.9 pJ (the E_MAC of Spikformer, AutoST, Auto-Spikformer)"),
        new(Keys.Ac, 0.9, Horowitz + ": fp32 add (the E_AC of the same papers)"),
        new("fp32.mult", 3.7, Horowitz + ": fp32 mult"),
        new("fp16.add", 0.4, Horowitz + ": fp16 add"),
        new("fp16.mult", 1.1, Horowitz + ": fp16 mult"),
        new("int8.add", 0.03, Horowitz + ": 8-bit add"),
        new("int16.add", 0.05, "geometric mean of Horowitz's 8-bit (0.03 pJ) and 32-bit (0.1 pJ) add: adder energy grows with width"),
        new("int32.add", 0.1, Horowitz + ": 32-bit add"),
        new("int8.mult", 0.2, Horowitz + ": 8-bit mult"),
        new("int16.mult", 0.79, "geometric mean of Horowitz's 8-bit (0.2 pJ) and 32-bit (3.1 pJ) mult"),
        new("int32.mult", 3.1, Horowitz + ": 32-bit mult"),
        new("sram.8KiB.access64", 10, Horowitz + ": 64-bit read of an 8 KB SRAM"),
        new("sram.32KiB.access64", 20, Horowitz + ": 64-bit read of a 32 KB SRAM"),
        new("sram.1MiB.access64", 100, Horowitz + ": 64-bit read of a 1 MB SRAM"),
        new("dram.access64", 1300, Horowitz + ": 64-bit DRAM access, 1.3–2.6 nJ (low end)"),
    ]);

    /// <summary>Energy of moving <paramref name="bytes"/> bytes through an SRAM of <paramref name="sramBytes"/>: one 64-bit access per 8 bytes (Horowitz quotes energy per 64-bit access).</summary>
    public double SramTraffic(long bytes, long sramBytes) => bytes / 8.0 * SramAccess64(sramBytes);

    /// <summary>
    /// Energy of one 64-bit access to an SRAM of <paramref name="bytes"/> bytes: Horowitz's three points (8 KB 10 pJ,
    /// 32 KB 20 pJ, 1 MB 100 pJ) interpolated linearly in log₂(size), clamped to the end points outside them.
    /// </summary>
    public double SramAccess64(long bytes)
    {
        (double Log2Size, double Picojoules)[] points =
        [
            (13, this["sram.8KiB.access64"]), (15, this["sram.32KiB.access64"]), (20, this["sram.1MiB.access64"]),
        ];
        double x = Math.Log2(Math.Max(bytes, 1));
        if (x <= points[0].Log2Size)
            return points[0].Picojoules;
        for (int i = 1; i < points.Length; i++)
        {
            if (x <= points[i].Log2Size)
            {
                double fraction = (x - points[i - 1].Log2Size) / (points[i].Log2Size - points[i - 1].Log2Size);
                return points[i - 1].Picojoules + fraction * (points[i].Picojoules - points[i - 1].Picojoules);
            }
        }
        return points[^1].Picojoules;
    }
}
