using System.Buffers.Binary;
using System.Device.I2c;

namespace SetGan.Agent.Power;

/// <summary>
/// An INA219 on an I2C bus, modelled register by register from the datasheet (TI SBOS448, section 8.6):
/// a register pointer set by the first written byte, big-endian 16-bit registers, the reset bit,
/// shunt voltage clipped to the PGA range, bus voltage with CNVR and OVF, and current and power
/// computed from the calibration register as the chip does. The test sets the true volts and amps;
/// <see cref="Unresponsive"/> makes it stop answering like a chip that lost power. The agent uses it
/// with <see cref="EmulatedBoard"/> where no chip is wired (the demo, CI); it is never the default.
/// </summary>
/// <param name="time">
/// With a clock, conversions finish at the chip's pace in the continuous modes (the shunt and/or bus conversion
/// times of the configured ADC settings, Table 5) and a read between two of them finds CNVR clear. Without one,
/// every read finds a fresh conversion, as when the chip is read more slowly than it converts.
/// </param>
public sealed class EmulatedIna219(double shuntOhms, int bus = 1, int address = 0x40, TimeProvider? time = null) : I2cDevice
{
    private const ushort DefaultConfiguration = 0x399F;
    private readonly ushort[] registers = [DefaultConfiguration, 0, 0, 0, 0, 0];
    private byte pointer;
    private long conversionsFrom = time?.GetTimestamp() ?? 0; // when the configured mode started converting
    private long conversionsDone;

    public double TrueVolts { get; set; } = 5.0;
    public double TrueAmps { get; set; }

    /// <summary>When set, the load current at each conversion (a board model); otherwise <see cref="TrueAmps"/>.</summary>
    public Func<double>? AmpsSource { get; set; }
    public bool Unresponsive { get; set; }

    /// <summary>Register reads and register writes (a write of the pointer alone is not counted).</summary>
    public int Reads { get; private set; }
    public int RegisterWrites { get; private set; }

    public ushort Register(int index) => registers[index];

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    /// <summary>A power-on reset, as a brown-out causes: every register back to its power-on value.</summary>
    public void PowerOnReset()
    {
        Array.Clear(registers);
        registers[0] = DefaultConfiguration;
        RestartConversions();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Answer();
        pointer = buffer[0];
        if (pointer > 5) throw new IOException($"INA219 has no register 0x{pointer:x2}");
        if (buffer.Length < 3) return;
        RegisterWrites++;
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..3]);
        if (pointer == 0 && (value & 0x8000) != 0) PowerOnReset(); // RST
        else if (pointer == 0)
        {
            registers[0] = value;
            registers[2] &= 0xFFFD; // writing a mode clears CNVR, and conversions start over
            RestartConversions();
        }
        else if (pointer == 5) registers[5] = (ushort)(value & 0xFFFE);
    }

    public override void Read(Span<byte> buffer)
    {
        Answer();
        Reads++;
        if (ConversionFinished()) Convert();
        BinaryPrimitives.WriteUInt16BigEndian(buffer, registers[pointer]);
        if (pointer == 3) registers[2] &= 0xFFFD; // reading power clears CNVR
    }

    public override byte ReadByte() => throw new NotSupportedException("the INA219 is read 16 bits at a time");
    public override void WriteByte(byte value) => Write([value]);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <summary>Whether a conversion finished since the registers were last updated (always, without a clock).</summary>
    private bool ConversionFinished()
    {
        if (time is null) return true;
        int mode = registers[0] & 0x7;
        if (mode < 5) return false; // power-down, triggered and ADC-off modes are not modelled: nothing converts
        double cycle = ((mode & 1) != 0 ? AdcSeconds(registers[0] >> 3) : 0) + ((mode & 2) != 0 ? AdcSeconds(registers[0] >> 7) : 0);
        long done = (long)Math.Floor(time.GetElapsedTime(conversionsFrom).TotalSeconds / cycle);
        if (done <= conversionsDone) return false;
        conversionsDone = done;
        return true;
    }

    private void RestartConversions()
    {
        conversionsFrom = time?.GetTimestamp() ?? 0;
        conversionsDone = 0;
    }

    /// <summary>The conversion time of a 4-bit ADC setting (BADC or SADC), from Table 5: 9 to 12 bits, or 2 to 128 averaged 12-bit samples.</summary>
    private static double AdcSeconds(int setting) => (setting & 0xF) switch
    {
        0x0 or 0x4 => 84e-6, 0x1 or 0x5 => 148e-6, 0x2 or 0x6 => 276e-6, 0x3 or 0x7 or 0x8 => 532e-6,
        0x9 => 1.06e-3, 0xA => 2.13e-3, 0xB => 4.26e-3, 0xC => 8.51e-3, 0xD => 17.02e-3, 0xE => 34.05e-3, _ => 68.10e-3,
    };

    /// <summary>One conversion of the true values into the result registers.</summary>
    private void Convert()
    {
        int pgaLimit = 4000 << ((registers[0] >> 11) & 0x3); // 40, 80, 160, 320 mV in 10 uV steps
        double shunt = (AmpsSource?.Invoke() ?? TrueAmps) * shuntOhms / 10e-6;
        bool overflow = Math.Abs(shunt) > pgaLimit;
        short shuntRegister = (short)Math.Clamp(Math.Round(shunt), -pgaLimit, pgaLimit);
        registers[1] = (ushort)shuntRegister;
        int busSteps = (int)Math.Round(TrueVolts / 0.004);
        registers[2] = (ushort)((busSteps << 3) | 0x2 | (overflow ? 0x1 : 0));
        short current = (short)(shuntRegister * registers[5] / 4096);
        registers[4] = (ushort)current;
        registers[3] = (ushort)(current * busSteps / 5000);
    }

    private void Answer()
    {
        if (Unresponsive) throw new IOException("Error 121 performing I2C data transfer (remote I/O error)");
    }
}
