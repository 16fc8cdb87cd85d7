using System.Device.Gpio;
using Neuro.Core.Boards;

namespace Neuro.Link.Tests;

public class BoardControlAndKeyTests
{
    /// <summary>Records every pin write with its time, standing in for a GPIO chip.</summary>
    private sealed class RecordingDriver : GpioDriver
    {
        private readonly Dictionary<int, PinValue> _values = [];
        private readonly Dictionary<int, PinMode> _modes = [];

        // Monotonic: the wall clock may be stepped or slewed while a test runs, the pulse width may not.
        private static readonly long Origin = System.Diagnostics.Stopwatch.GetTimestamp();

        public List<(int Pin, PinValue Value, TimeSpan At)> Writes { get; } = [];

        protected override int PinCount => 64;

        protected override void OpenPin(int pinNumber) => _values[pinNumber] = PinValue.Low;

        protected override void ClosePin(int pinNumber) => _values.Remove(pinNumber);

        protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

        protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];

        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

        protected override PinValue Read(int pinNumber) => _values[pinNumber];

        protected override void Write(int pinNumber, PinValue value)
        {
            _values[pinNumber] = value;
            Writes.Add((pinNumber, value, System.Diagnostics.Stopwatch.GetElapsedTime(Origin)));
        }

        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
            throw new NotSupportedException();

        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
            throw new NotSupportedException();
    }

    [Fact]
    public async Task An_active_low_reset_is_pulled_low_for_the_pulse_then_released()
    {
        var driver = new RecordingDriver();
        using var control = new GpioBoardControl(new GpioController(driver), new GpioControl("gpiochip0", 17, ResetActiveLow: true, BootPin: null));
        driver.Writes.Clear();
        await control.ResetAsync(bootloader: false, default);
        Assert.Equal([(17, PinValue.Low), (17, PinValue.High)], driver.Writes.Select(w => (w.Pin, w.Value)));
        Assert.True(driver.Writes[1].At - driver.Writes[0].At >= GpioBoardControl.ResetPulse,
            $"pulse {(driver.Writes[1].At - driver.Writes[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_bootloader_reset_holds_the_boot_pin_across_the_reset_edge()
    {
        var driver = new RecordingDriver();
        using var control = new GpioBoardControl(new GpioController(driver), new GpioControl("gpiochip0", 4, ResetActiveLow: false, BootPin: 5));
        driver.Writes.Clear();
        await control.ResetAsync(bootloader: true, default);
        Assert.Equal([(5, PinValue.High), (4, PinValue.High), (4, PinValue.Low), (5, PinValue.Low)], driver.Writes.Select(w => (w.Pin, w.Value)));
    }

    [Fact]
    public async Task A_bootloader_reset_without_a_boot_pin_is_refused()
    {
        using var control = new GpioBoardControl(new GpioController(new RecordingDriver()), new GpioControl("gpiochip0", 4, false, null));
        var e = await Assert.ThrowsAsync<LinkException>(() => control.ResetAsync(bootloader: true, default));
        Assert.Contains("no boot pin", e.Message);
    }

    [Fact]
    public void A_generated_key_file_loads_back_and_signs_like_rfc_2104_hmac_sha256()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neuro-key-{Guid.NewGuid():N}.key");
        try
        {
            var key = BoardKey.Generate(path);
            var loaded = BoardKey.Load(path);
            Assert.Equal(key.ToHex(), loaded.ToHex());
            var hash = new byte[32];
            hash[0] = 9;
            var message = hash.Concat(BitConverter.GetBytes(7u)).Concat(BitConverter.GetBytes(1000u)).ToArray();
            Assert.Equal(System.Security.Cryptography.HMACSHA256.HashData(Convert.FromHexString(key.ToHex()), message), loaded.Tag(hash, 7, 1000));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("not hex at all", "not a hex key")]
    [InlineData("abc", "not a hex key")]
    [InlineData("00112233", "16 to 64 bytes")]
    public void A_bad_key_file_is_refused_naming_the_file_and_the_problem(string content, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"neuro-key-{Guid.NewGuid():N}.key");
        File.WriteAllText(path, "# comment\n" + content + "\n");
        try
        {
            var e = Assert.Throws<LinkException>(() => BoardKey.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains(expected, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
