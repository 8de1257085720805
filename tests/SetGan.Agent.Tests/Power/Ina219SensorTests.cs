using SetGan.Agent.Power;

namespace SetGan.Agent.Tests.Power;

public class Ina219SensorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Calibrates_as_the_datasheet_says_for_a_0_1_ohm_shunt_and_3_2_amps()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1);
        using var sensor = new Ina219Sensor(chip, shuntOhms: 0.1, maxCurrentAmps: 3.2);

        sensor.CurrentLsb.ShouldBe(1e-4);          // 3.2 A / 2^15 = 97.7 uA, rounded up
        sensor.Calibration.ShouldBe((ushort)4096); // trunc(0.04096 / (1e-4 * 0.1))
        chip.Register(5).ShouldBe((ushort)4096);
        (chip.Register(0) & 0x1800).ShouldBe(0x1800); // PGA /8: 320 mV holds 3.2 A x 0.1 ohm
        (chip.Register(0) & 0x2000).ShouldBe(0x2000); // 32 V bus range
    }

    [Fact]
    public void Reads_volts_amps_and_watts_of_the_load()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueVolts = 5.1, TrueAmps = 0.8 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);

        var sample = sensor.Read(Now)!;

        sample.Volts.ShouldBe(5.1, 0.004);
        sample.Amps.ShouldBe(0.8, 1e-4);
        sample.Watts.ShouldBe(4.08, 0.002); // the chip's own power register: 2040 x 20 x current LSB
        sample.Estimated.ShouldBeFalse();
        sample.Source.ShouldBe("ina219@0x40 bus 1");
    }

    [Theory]
    [InlineData(3.2, 5.1, 1.0321)] // current LSB 1e-4 A, power LSB 2e-3 W
    [InlineData(0.4, 3.3, 0.25713)] // current LSB 2e-5 A, power LSB 4e-4 W
    public void Readings_are_whole_steps_of_the_chip_written_as_short_as_they_are(double maxAmps, double volts, double amps)
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueVolts = volts, TrueAmps = amps };
        using var sensor = new Ina219Sensor(chip, 0.1, maxAmps);

        var sample = sensor.Read(Now)!;

        // 1291 x 0.004 V is 5.1640000000000006 in binary arithmetic; the chip measured 5.164, and batches carry that.
        Steps(sample.Volts, 0.004).ShouldBe(Math.Round(volts / 0.004));
        Decimals(sample.Volts).ShouldBeLessThanOrEqualTo(3);
        Decimals(sample.Amps).ShouldBeLessThanOrEqualTo(Decimals(sensor.CurrentLsb));
        Decimals(sample.Watts).ShouldBeLessThanOrEqualTo(Decimals(20 * sensor.CurrentLsb));
        Steps(sample.Amps, sensor.CurrentLsb).ShouldBe((short)chip.Register(4));
        Steps(sample.Watts, 20 * sensor.CurrentLsb).ShouldBe(chip.Register(3));
    }

    private static double Steps(double value, double step) => Math.Round(value / step, 9);
    private static int Decimals(double value) => value.ToString("0.####################", System.Globalization.CultureInfo.InvariantCulture) is var s && s.IndexOf('.') is var dot and >= 0 ? s.Length - dot - 1 : 0;

    [Fact]
    public void A_smaller_range_gets_a_finer_pga_and_current_step()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueVolts = 3.3, TrueAmps = 0.25 };
        using var sensor = new Ina219Sensor(chip, 0.1, 0.4);

        (chip.Register(0) & 0x1800).ShouldBe(0x0000); // 40 mV holds 0.4 A x 0.1 ohm
        sensor.CurrentLsb.ShouldBe(2e-5);
        sensor.Read(Now)!.Amps.ShouldBe(0.25, 2e-5);
    }

    [Fact]
    public void Current_beyond_the_calibrated_range_is_a_fault_not_a_clipped_number()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueAmps = 0.3 };
        using var sensor = new Ina219Sensor(chip, 0.1, 0.4);
        chip.TrueAmps = 0.9; // 90 mV on a 40 mV range

        Should.Throw<PowerSensorException>(() => sensor.Read(Now)).Message.ShouldContain("overflow");
    }

    [Fact]
    public void A_chip_that_stops_answering_gives_a_sensor_fault_naming_it()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueAmps = 0.5 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);
        sensor.Read(Now).ShouldNotBeNull();

        chip.Unresponsive = true;
        Should.Throw<PowerSensorException>(() => sensor.Read(Now)).Message.ShouldSatisfyAllConditions(
            m => m.ShouldContain("ina219@0x40"), m => m.ShouldContain("remote I/O error"));

        chip.Unresponsive = false;
        sensor.Read(Now)!.Amps.ShouldBe(0.5, 1e-4); // and it recovers when the chip answers again
    }

    [Fact]
    public void Configures_the_chip_once_then_each_reading_is_three_register_reads()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueAmps = 0.5 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);
        int writes = chip.RegisterWrites, reads = chip.Reads;

        for (int i = 0; i < 10; i++) sensor.Read(Now).ShouldNotBeNull();

        chip.RegisterWrites.ShouldBe(writes); // no calibration rewritten per reading, as dotnet/iot's binding does twice
        (chip.Reads - reads).ShouldBe(30);    // bus voltage (with CNVR and OVF), current, power
    }

    [Fact]
    public void Between_two_conversions_there_is_no_reading_rather_than_the_last_one_again()
    {
        var clock = new ManualClock();
        var chip = new EmulatedIna219(shuntOhms: 0.1, time: clock) { TrueVolts = 5.1, TrueAmps = 0.8 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);

        sensor.Read(Now).ShouldBeNull(); // just configured: the first conversion ends 1.064 ms later
        clock.Advance(Ina219Sensor.ConversionTime);
        sensor.Read(Now)!.Amps.ShouldBe(0.8, 1e-4);

        chip.TrueAmps = 1.2;
        sensor.Read(Now).ShouldBeNull(); // reading the power register cleared CNVR: this conversion was taken
        clock.Advance(Ina219Sensor.ConversionTime / 2);
        sensor.Read(Now).ShouldBeNull(); // the next one is still under way
        clock.Advance(Ina219Sensor.ConversionTime / 2);
        sensor.Read(Now)!.Amps.ShouldBe(1.2, 1e-4);
    }

    [Fact]
    public void Read_at_1000_Hz_it_gives_each_of_the_chips_940_conversions_a_second_once()
    {
        var clock = new ManualClock();
        var chip = new EmulatedIna219(shuntOhms: 0.1, time: clock) { TrueAmps = 0.5 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);

        int readings = 0;
        for (int i = 0; i < 1000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            if (sensor.Read(Now) is not null) readings++;
        }

        sensor.MaxRate.ShouldBe(1 / 1.064e-3, 1e-6); // 12-bit shunt then 12-bit bus conversion: 2 x 532 us (SBOS448 Table 5)
        readings.ShouldBe(939);                      // floor(1 s / 1.064 ms)
    }

    [Fact]
    public void A_chip_that_lost_its_calibration_gives_a_fault_not_zero_watts_and_is_configured_again()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueAmps = 0.5 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);

        chip.PowerOnReset(); // a brown-out: calibration 0, so current and power read 0
        Should.Throw<PowerSensorException>(() => sensor.Read(Now)).Message.ShouldContain("lost its calibration");

        chip.Register(5).ShouldBe((ushort)4096);
        sensor.Read(Now)!.Amps.ShouldBe(0.5, 1e-4);
    }

    [Fact]
    public void No_load_reads_zero_amps_and_zero_watts()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { TrueVolts = 5.1, TrueAmps = 0 };
        using var sensor = new Ina219Sensor(chip, 0.1, 3.2);

        var sample = sensor.Read(Now)!;

        (sample.Amps, sample.Watts).ShouldBe((0.0, 0.0));
        sample.Volts.ShouldBe(5.1, 0.004);
    }

    [Fact]
    public void A_chip_missing_at_start_is_a_clear_fault()
    {
        var chip = new EmulatedIna219(shuntOhms: 0.1) { Unresponsive = true };
        Should.Throw<PowerSensorException>(() => new Ina219Sensor(chip, 0.1, 3.2)).Message.ShouldContain("configure failed");
    }

    [Fact]
    public void A_range_the_shunt_cannot_measure_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new Ina219Sensor(new EmulatedIna219(0.1), 0.1, 5.0)).Message.ShouldContain("320 mV");
    }

    /// <summary>Time that moves only when told, for the emulated chip's conversions.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long ticks;
        public void Advance(TimeSpan by) => ticks += by.Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => ticks;
    }
}
