using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Neuro.Core.Boards;

namespace Neuro.Link;

/// <summary>Hardware control of a board beside the serial link: reset, optionally into its bootloader.</summary>
public interface IBoardControl : IDisposable
{
    /// <summary>Pulses reset; with <paramref name="bootloader"/> the boot pin is held active through the pulse.</summary>
    Task ResetAsync(bool bootloader, CancellationToken cancellationToken);
}

/// <summary>
/// Drives a board's reset and boot pins (board.json <c>gpio</c>) through System.Device.Gpio. The controller
/// is injected, so tests run it over a fake <see cref="GpioDriver"/>.
/// </summary>
public sealed class GpioBoardControl : IBoardControl
{
    /// <summary>Long enough for the reset supervisors of common Cortex-M boards (typ. 20 µs to a few ms).</summary>
    public static readonly TimeSpan ResetPulse = TimeSpan.FromMilliseconds(20);

    private readonly GpioController _controller;
    private readonly GpioControl _pins;
    private readonly bool _ownsController;

    public GpioBoardControl(GpioController controller, GpioControl pins, bool ownsController = false)
    {
        _controller = controller;
        _pins = pins;
        _ownsController = ownsController;
        _controller.OpenPin(pins.ResetPin, PinMode.Output, Level(reset: false));
        if (pins.BootPin is int boot)
        {
            _controller.OpenPin(boot, PinMode.Output, PinValue.Low);
        }
    }

    /// <summary>Opens the board's GPIO chip (e.g. <c>gpiochip0</c>) with libgpiod.</summary>
    public static GpioBoardControl Open(GpioControl pins)
    {
        var digits = new string(pins.Chip.Where(char.IsAsciiDigit).ToArray());
        if (!int.TryParse(digits, out int chip))
        {
            throw new LinkException($"GPIO chip '{pins.Chip}' in board.json is not gpiochipN");
        }
        return new GpioBoardControl(new GpioController(new LibGpiodDriver(chip)), pins, ownsController: true);
    }

    private PinValue Level(bool reset) => reset ^ _pins.ResetActiveLow ? PinValue.High : PinValue.Low;

    public async Task ResetAsync(bool bootloader, CancellationToken cancellationToken)
    {
        if (bootloader && _pins.BootPin is null)
        {
            throw new LinkException("this board has no boot pin in board.json");
        }
        if (bootloader)
        {
            _controller.Write(_pins.BootPin!.Value, PinValue.High);
        }
        _controller.Write(_pins.ResetPin, Level(reset: true));
        try
        {
            await HoldAsync(ResetPulse, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _controller.Write(_pins.ResetPin, Level(reset: false));
        }
        if (bootloader)
        {
            // The boot pin is sampled on the rising edge of reset; hold it a little past that.
            await HoldAsync(ResetPulse, cancellationToken).ConfigureAwait(false);
            _controller.Write(_pins.BootPin!.Value, PinValue.Low);
        }
    }

    /// <summary>At least <paramref name="duration"/> by the monotonic clock: a timer may fire a tick early, a reset pulse may not be short.</summary>
    private static async Task HoldAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var left = duration; left > TimeSpan.Zero; left = duration - System.Diagnostics.Stopwatch.GetElapsedTime(start))
            await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_ownsController)
        {
            _controller.Dispose();
        }
    }
}
