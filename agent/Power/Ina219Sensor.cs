using System.Buffers.Binary;
using System.Device.I2c;
using Iot.Device.Adc;

namespace SetGan.Agent.Power;

/// <summary>
/// An INA219 high-side current/power monitor on I2C (Texas Instruments SBOS448), through dotnet/iot's
/// binding. The calibration follows the datasheet (section 8.5.1): current LSB = max current / 2^15,
/// rounded up to a round number, and CAL = trunc(0.04096 / (current LSB x shunt ohms)); the PGA range
/// is the smallest that holds max current x shunt ohms. Every reading checks the bus voltage
/// register's CNVR (conversion ready) and OVF (math overflow) bits, which the binding drops.
/// </summary>
public sealed class Ina219Sensor : IPowerSensor
{
    private const byte BusVoltageRegister = 0x02;
    private readonly I2cDevice device;
    private readonly Ina219 chip;

    public Ina219Sensor(I2cDevice device, double shuntOhms, double maxCurrentAmps)
    {
        if (!(shuntOhms > 0) || !(maxCurrentAmps > 0)) throw new ArgumentOutOfRangeException(nameof(shuntOhms), "shunt ohms and max current must be positive");
        this.device = device;
        chip = new Ina219(device);
        ShuntOhms = shuntOhms;
        CurrentLsb = RoundUp(maxCurrentAmps / 32768);
        // Bit 0 of the calibration register does not exist (always reads 0): keep the value even.
        Calibration = (ushort)((int)Math.Min(ushort.MaxValue - 1, Math.Truncate(0.04096 / (CurrentLsb * shuntOhms))) & 0xFFFE);
        double shuntVolts = Math.Round(maxCurrentAmps * shuntOhms, 9); // 3.2 x 0.1 is 0.32000000000000006 in binary
        if (shuntVolts > 0.32) throw new ArgumentOutOfRangeException(nameof(maxCurrentAmps), $"{maxCurrentAmps} A through {shuntOhms} ohm is {shuntVolts * 1000:F0} mV, beyond the INA219's 320 mV shunt range");
        Name = $"ina219@0x{device.ConnectionSettings.DeviceAddress:x2} bus {device.ConnectionSettings.BusId}";
        Wrap(() =>
        {
            chip.Reset();
            chip.BusVoltageRange = Ina219BusVoltageRange.Range32v;
            chip.PgaSensitivity = shuntVolts <= 0.04 ? Ina219PgaSensitivity.PlusOrMinus40mv
                : shuntVolts <= 0.08 ? Ina219PgaSensitivity.PlusOrMinus80mv
                : shuntVolts <= 0.16 ? Ina219PgaSensitivity.PlusOrMinus160mv
                : Ina219PgaSensitivity.PlusOrMinus320mv;
            chip.BusAdcResolutionOrSamples = Ina219AdcResolutionOrSamples.Adc12Bit;
            chip.ShuntAdcResolutionOrSamples = Ina219AdcResolutionOrSamples.Adc12Bit;
            chip.OperatingMode = Ina219OperatingMode.ShuntAndBusContinuous;
            chip.SetCalibration(Calibration, (float)CurrentLsb);
            return 0;
        }, "configure");
    }

    public string Name { get; }
    public bool IsEstimate => false;

    /// <summary>
    /// dotnet/iot's binding waits out a 12-bit conversion (532 us) before each of its reads (current
    /// and power; bus voltage is decoded from our own raw read), so one reading takes over 1 ms: 600 a second at most, and
    /// fewer when the generator keeps every core busy (bench: about 150 a second at 250 px on 2 cores).
    /// </summary>
    public double MaxRate => 600;
    public double ShuntOhms { get; }
    public double CurrentLsb { get; }
    public ushort Calibration { get; }

    public PowerSample? Read(DateTimeOffset now) => Wrap(() =>
    {
        ushort bus = ReadRaw(BusVoltageRegister);
        if ((bus & 0x1) != 0) throw new PowerSensorException($"{Name}: math overflow (OVF): the current is beyond the calibrated range; check shunt_ohms and max_current_amps");
        // The same register the binding's ReadBusVoltage would read again: bits 15..3 in 4 mV steps.
        double volts = ((short)bus >> 3) * 0.004;
        double amps = chip.ReadCurrent().Amperes;
        double watts = (double)chip.ReadPower().Watts;
        return new PowerSample(now, volts, amps, watts, Name);
    }, "read");

    /// <summary>The raw 16-bit register, with the status bits the binding shifts away.</summary>
    private ushort ReadRaw(byte register)
    {
        Span<byte> buffer = stackalloc byte[2];
        buffer[0] = register;
        device.Write(buffer[..1]);
        device.Read(buffer);
        return BinaryPrimitives.ReadUInt16BigEndian(buffer);
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

    public void Dispose() => chip.Dispose();
}
