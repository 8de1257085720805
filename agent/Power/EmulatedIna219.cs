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
public sealed class EmulatedIna219(double shuntOhms, int bus = 1, int address = 0x40) : I2cDevice
{
    private const ushort DefaultConfiguration = 0x399F;
    private readonly ushort[] registers = [DefaultConfiguration, 0, 0, 0, 0, 0];
    private byte pointer;

    public double TrueVolts { get; set; } = 5.0;
    public double TrueAmps { get; set; }

    /// <summary>When set, the load current at each conversion (a board model); otherwise <see cref="TrueAmps"/>.</summary>
    public Func<double>? AmpsSource { get; set; }
    public bool Unresponsive { get; set; }
    public int Reads { get; private set; }

    public ushort Register(int index) => registers[index];

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Answer();
        pointer = buffer[0];
        if (pointer > 5) throw new IOException($"INA219 has no register 0x{pointer:x2}");
        if (buffer.Length < 3) return;
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..3]);
        if (pointer == 0 && (value & 0x8000) != 0)
        {
            Array.Clear(registers);
            registers[0] = DefaultConfiguration; // RST: every register back to its power-on value
        }
        else if (pointer is 0 or 5) registers[pointer] = pointer == 5 ? (ushort)(value & 0xFFFE) : value;
    }

    public override void Read(Span<byte> buffer)
    {
        Answer();
        Reads++;
        Convert();
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
