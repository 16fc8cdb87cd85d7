using System.Globalization;
using System.Text.Json.Serialization;

namespace Neuro.Core.Boards;

/// <summary>
/// A board as <c>boards/&lt;name&gt;/board.json</c> declares it: the core and its toolchain, the memories a
/// program may use, the UART the link talks over, how cycles are counted, the energy one cycle costs, and
/// the emulator that can stand in for it. The compiler's memory plan, the firmware generator, search's
/// constraints and the link all read the same file.
/// </summary>
public sealed record BoardDescriptor
{
    /// <summary>Folder name under <c>boards/</c>; the name users pass to <c>--board</c>.</summary>
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary><c>cortex-m0plus</c>, <c>cortex-m4</c>, <c>cortex-m7</c>, … or <c>host</c> for the Linux build.</summary>
    public required string Core { get; init; }

    /// <summary>GCC's <c>-mfpu</c> value, or null without a hardware FPU (the runtime is integer-only either way).</summary>
    public string? Fpu { get; init; }

    public required long ClockHz { get; init; }

    public required MemoryRegion Flash { get; init; }

    public required MemoryRegion Sram { get; init; }

    /// <summary>
    /// Flash and SRAM held back from programs for the runtime's code, stack and link buffers; what is
    /// left is what a program's tensors (flash) and buffers (SRAM) may use.
    /// </summary>
    public required RuntimeReserve Reserve { get; init; }

    public required UartDescriptor Uart { get; init; }

    /// <summary><c>dwt</c> (DWT→CYCCNT), <c>systick</c>, or <c>clock_gettime</c> on the host board.</summary>
    public required string CycleCounter { get; init; }

    /// <summary>Null when the board has no meaningful energy per cycle (the host build).</summary>
    public EnergyPerCycle? Energy { get; init; }

    public required ToolchainDescriptor Toolchain { get; init; }

    /// <summary>Null for boards that only build here.</summary>
    public EmulatorDescriptor? Emulator { get; init; }

    /// <summary>Optional reset/boot pins driven through System.Device.Gpio.</summary>
    public GpioControl? Gpio { get; init; }

    /// <summary>Where a loader firmware keeps uploaded programs; null when the board has no loader.</summary>
    public ProgramSlots? Slots { get; init; }

    /// <summary>Bytes of flash a program's constant data may occupy.</summary>
    public long ProgramFlashBytes => Flash.Bytes - Reserve.FlashBytes;

    /// <summary>Bytes of SRAM a program's buffers may occupy.</summary>
    public long ProgramSramBytes => Sram.Bytes - Reserve.SramBytes;
}

/// <summary>A memory's start address (hex string in JSON, e.g. <c>"0x20000000"</c>) and size.</summary>
public sealed record MemoryRegion(
    [property: JsonConverter(typeof(HexAddressConverter))] long Origin,
    long Bytes);

public sealed record RuntimeReserve(long FlashBytes, long SramBytes, string Basis);

/// <summary>
/// <paramref name="Kind"/> is <c>cmsdk</c>, <c>stm32f4-usart</c>, <c>stm32f7-usart</c>, <c>nrf-uart</c> or
/// <c>pty</c>; <paramref name="RxIrq"/> is the NVIC line of the receive interrupt (null on the host).
/// </summary>
public sealed record UartDescriptor(
    string Kind,
    [property: JsonConverter(typeof(HexAddressConverter))] long Base,
    int? RxIrq,
    int Baud);

/// <summary>
/// Energy of one core cycle from a datasheet's run-mode current at a supply voltage and clock:
/// E = I·V / f. <paramref name="Source"/> names the document, table and conditions.
/// </summary>
public sealed record EnergyPerCycle(double RunCurrentMilliamps, double SupplyVolts, long AtClockHz, string Source)
{
    [JsonIgnore]
    public double JoulesPerCycle => RunCurrentMilliamps * 1e-3 * SupplyVolts / AtClockHz;
}

/// <summary><paramref name="Compiler"/> is <c>gcc</c> or <c>arm-none-eabi-gcc</c>; flags select the core.</summary>
public sealed record ToolchainDescriptor(string Compiler, IReadOnlyList<string> CFlags, string? LinkerScript);

/// <summary>
/// An emulator that runs this board's firmware: <c>qemu-system-arm</c> with <paramref name="Machine"/>, or
/// <c>host</c> (the Linux build run directly). <paramref name="InstructionsPerTick"/> converts SysTick ticks
/// under <c>-icount shift=0</c> to instructions (never to real cycles): QEMU runs one instruction per virtual ns and
/// clocks SysTick at the machine's fixed system clock, whatever the firmware sets (mps2: 25 MHz, 40 per tick;
/// netduinoplus2: 168 MHz, 1000/168 per tick), so it need not be a whole number.
/// </summary>
public sealed record EmulatorDescriptor(string Kind, string? Machine, double? InstructionsPerTick);

/// <summary>
/// Program slots of a loader firmware: <paramref name="Count"/> slots of <paramref name="Bytes"/> each, in
/// <paramref name="Storage"/> <c>flash</c> (erased and programmed by the HAL, kept across resets, starting at
/// <paramref name="Origin"/>) or <c>sram</c> (static arrays; they take SRAM from a loader's arena).
/// </summary>
public sealed record ProgramSlots(
    string Storage,
    int Count,
    long Bytes,
    [property: JsonConverter(typeof(NullableHexAddressConverter))] long? Origin)
{
    /// <summary>SRAM the slots take from a loader firmware (0 for flash slots).</summary>
    [JsonIgnore]
    public long SramBytes => Storage == "sram" ? Count * Bytes : 0;
}

public sealed record GpioControl(string Chip, int ResetPin, bool ResetActiveLow, int? BootPin);

/// <summary><see cref="HexAddressConverter"/> for an address that may be null.</summary>
public sealed class NullableHexAddressConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType == System.Text.Json.JsonTokenType.Null ? null : new HexAddressConverter().Read(ref reader, typeof(long), options);

    public override void Write(System.Text.Json.Utf8JsonWriter writer, long? value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value is { } address)
            new HexAddressConverter().Write(writer, address, options);
        else
            writer.WriteNullValue();
    }
}

/// <summary>Reads <c>"0x…"</c> or a plain number; writes hex, so board files stay readable.</summary>
public sealed class HexAddressConverter : JsonConverter<long>
{
    public override long Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.Number)
            return reader.GetInt64();
        string text = reader.GetString() ?? throw new System.Text.Json.JsonException("address is null");
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long hex))
            return hex;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            return value;
        throw new System.Text.Json.JsonException($"'{text}' is not an address (expected 0x… or a number)");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, long value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue("0x" + value.ToString("X8", CultureInfo.InvariantCulture));
}
