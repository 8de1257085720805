using System.Buffers.Binary;
using System.Device.I2c;

namespace SetGan.Agent.Power;

/// <summary>
/// An INA219 high-side current/power monitor on I2C (Texas Instruments SBOS448), read register by register.
/// The calibration follows the datasheet (section 8.5.1): current LSB = max current / 2^15, rounded up to a
/// round number, and CAL = trunc(0.04096 / (current LSB x shunt ohms)); the PGA range is the smallest that
/// holds max current x shunt ohms. The chip is configured once, converting shunt and bus continuously at
/// 12 bits; a reading is then three register reads and no waits (dotnet/iot's binding busy-waits a whole
/// conversion before each of its reads and rewrites the calibration twice, about 150 readings a second
/// under load). The bus voltage register's CNVR bit says whether a conversion finished since the last
/// reading: if not, there is no new reading (null), never the previous one again.
/// </summary>
public sealed class Ina219Sensor : IPowerSensor
{
    // Registers (section 8.6) and the configuration this sensor writes (section 8.6.2.1).
    private const byte ConfigurationRegister = 0x00, BusVoltageRegister = 0x02, PowerRegister = 0x03, CurrentRegister = 0x04, CalibrationRegister = 0x05;
    private const ushort ResetBit = 0x8000, BusRange32V = 0x2000, BusAdc12Bit = 0x3 << 7, ShuntAdc12Bit = 0x3 << 3, ShuntAndBusContinuous = 0x7;
    private const ushort ConversionReady = 0x2, MathOverflow = 0x1;

    /// <summary>
    /// One 12-bit conversion takes 532 us (section 7.5, Table 5); in shunt-and-bus continuous mode the chip converts
    /// the shunt, then the bus, so new results arrive every 1.064 ms.
    /// </summary>
    public static readonly TimeSpan ConversionTime = TimeSpan.FromMicroseconds(2 * 532);

    private readonly I2cDevice device;
    private readonly int ampsDecimals, wattsDecimals;

    public Ina219Sensor(I2cDevice device, double shuntOhms, double maxCurrentAmps)
    {
        if (!(shuntOhms > 0) || !(maxCurrentAmps > 0)) throw new ArgumentOutOfRangeException(nameof(shuntOhms), "shunt ohms and max current must be positive");
        this.device = device;
        ShuntOhms = shuntOhms;
        CurrentLsb = RoundUp(maxCurrentAmps / 32768);
        // Bit 0 of the calibration register does not exist (always reads 0): keep the value even.
        (ampsDecimals, wattsDecimals) = (DecimalsOf(CurrentLsb), DecimalsOf(20 * CurrentLsb));
        Calibration = (ushort)((int)Math.Min(ushort.MaxValue - 1, Math.Truncate(0.04096 / (CurrentLsb * shuntOhms))) & 0xFFFE);
        double shuntVolts = Math.Round(maxCurrentAmps * shuntOhms, 9); // 3.2 x 0.1 is 0.32000000000000006 in binary
        if (shuntVolts > 0.32) throw new ArgumentOutOfRangeException(nameof(maxCurrentAmps), $"{maxCurrentAmps} A through {shuntOhms} ohm is {shuntVolts * 1000:F0} mV, beyond the INA219's 320 mV shunt range");
        int pga = shuntVolts <= 0.04 ? 0 : shuntVolts <= 0.08 ? 1 : shuntVolts <= 0.16 ? 2 : 3; // 40, 80, 160, 320 mV
        Configuration = (ushort)(BusRange32V | pga << 11 | BusAdc12Bit | ShuntAdc12Bit | ShuntAndBusContinuous);
        Name = $"ina219@0x{device.ConnectionSettings.DeviceAddress:x2} bus {device.ConnectionSettings.BusId}";
        Wrap(() => { Configure(); return 0; }, "configure");
    }

    public string Name { get; }
    public bool IsEstimate => false;

    /// <summary>
    /// New results per second: 1 / 1.064 ms, about 940. The three register reads of a reading take about 0.4 ms at
    /// 400 kHz I2C but about 1.4 ms at the Raspberry Pi's default 100 kHz, where the bus, not the chip, sets the pace.
    /// </summary>
    public double MaxRate => 1 / ConversionTime.TotalSeconds;
    public double ShuntOhms { get; }
    public double CurrentLsb { get; }
    public ushort Calibration { get; }

    /// <summary>The configuration register as written: 32 V bus range, the PGA range, 12-bit shunt and bus, continuous.</summary>
    public ushort Configuration { get; }

    public PowerSample? Read(DateTimeOffset now) => Wrap(() =>
    {
        ushort bus = ReadRegister(BusVoltageRegister);
        if ((bus & MathOverflow) != 0) throw new PowerSensorException($"{Name}: math overflow (OVF): the current is beyond the calibrated range; check shunt_ohms and max_current_amps");
        // CNVR clears when the power register is read: unset, the result registers still hold the reading already taken.
        if ((bus & ConversionReady) == 0) return null;
        short current = (short)ReadRegister(CurrentRegister);
        ushort power = ReadRegister(PowerRegister);
        if (current == 0 && power == 0 && ReadRegister(CalibrationRegister) != Calibration)
        {
            // A power-on reset (a brown-out) zeroes the calibration, and the chip then reports 0 A and 0 W as if measured.
            Configure();
            throw new PowerSensorException($"{Name}: the chip lost its calibration (a reset or brown-out); configured again, this reading is dropped");
        }
        // Whole steps of the chip, rounded: 1291 x 0.004 V is 5.1640000000000006 in binary arithmetic, but the chip
        // measured 5.164, and the batches that carry up to a thousand readings a second print that shorter and faster.
        double volts = Math.Round(((short)bus >> 3) * 0.004, 3); // bits 15..3 in 4 mV steps
        return new PowerSample(now, volts, Math.Round(current * CurrentLsb, ampsDecimals), Math.Round(power * 20 * CurrentLsb, wattsDecimals), Name);
    }, "read");

    private void Configure()
    {
        WriteRegister(ConfigurationRegister, ResetBit);
        WriteRegister(ConfigurationRegister, Configuration);
        WriteRegister(CalibrationRegister, Calibration);
    }

    /// <summary>A big-endian 16-bit register: the pointer written, then two bytes read in one transfer (a repeated start).</summary>
    private ushort ReadRegister(byte register)
    {
        Span<byte> value = stackalloc byte[2];
        device.WriteRead([register], value);
        return BinaryPrimitives.ReadUInt16BigEndian(value);
    }

    private void WriteRegister(byte register, ushort value)
    {
        Span<byte> buffer = [register, 0, 0];
        BinaryPrimitives.WriteUInt16BigEndian(buffer[1..], value);
        device.Write(buffer);
    }

    /// <summary>I/O errors of a chip that stops answering become a sensor fault naming the chip.</summary>
    private T Wrap<T>(Func<T> action, string what)
    {
        try { return action(); }
        catch (PowerSensorException) { throw; }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            throw new PowerSensorException($"{Name}: {what} failed: {e.Message}", e);
        }
    }

    /// <summary>The next "round" value (1, 2, 5 x 10^n) at or above x, so readings are easy to check by hand.</summary>
    private static double RoundUp(double x)
    {
        double decade = Math.Pow(10, Math.Floor(Math.Log10(x)));
        foreach (double step in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (step * decade >= x * (1 - 1e-12)) return step * decade;
        return 10 * decade;
    }

    /// <summary>The decimal places a whole multiple of the step needs (2 for 0.02, 5 for 5e-5).</summary>
    private static int DecimalsOf(double step)
    {
        for (int d = 0; d < 15; d++)
        {
            double scaled = step * Math.Pow(10, d);
            if (Math.Abs(scaled - Math.Round(scaled)) < 1e-9 * scaled) return d;
        }
        return 15;
    }

    /// <summary>The sensor owns its I2C device: PowerSensors opens one for it.</summary>
    public void Dispose() => device.Dispose();
}
