using SetGan.Agent.Power;

namespace SetGan.Agent.Tests.Power;

/// <summary>RAPL and the Jetson INA3221 read kernel files: tested on fake sysfs trees with the kernel's layout.</summary>
public sealed class SysfsSensorTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("setgan-sysfs-").FullName;
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Write(string relative, string text)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    [Fact]
    public void Rapl_power_is_the_energy_between_two_reads_over_the_time_between_them()
    {
        string zone = Path.Combine(root, "intel-rapl:0");
        Write("intel-rapl:0/max_energy_range_uj", "262143328850");
        Write("intel-rapl:0/energy_uj", "1000000");
        using var rapl = new RaplSensor(zone);

        rapl.Read(T0).ShouldBeNull(); // one counter value is not a power yet
        Write("intel-rapl:0/energy_uj", "13500000");
        var sample = rapl.Read(T0.AddSeconds(0.5))!;

        sample.Watts.ShouldBe(25.0, 1e-9); // 12.5 J in 0.5 s
        sample.Source.ShouldBe("rapl intel-rapl:0");
    }

    [Fact]
    public void Rapl_counts_through_the_wrap_of_its_counter()
    {
        string zone = Path.Combine(root, "intel-rapl:0");
        Write("intel-rapl:0/max_energy_range_uj", "1000000");
        Write("intel-rapl:0/energy_uj", "900000");
        using var rapl = new RaplSensor(zone);
        rapl.Read(T0);

        Write("intel-rapl:0/energy_uj", "100000"); // wrapped: 100001 uJ to the top, 100000 after
        rapl.Read(T0.AddSeconds(1))!.Watts.ShouldBe(0.200001, 1e-9);
    }

    [Fact]
    public void Rapl_without_permission_or_files_is_a_named_fault()
    {
        using var rapl = new RaplSensor(Path.Combine(root, "intel-rapl:9"));
        Should.Throw<PowerSensorException>(() => rapl.Read(T0)).Message.ShouldContain("cannot read energy_uj");
    }

    [Fact]
    public void Ina3221_through_hwmon_reads_millivolts_and_milliamps_of_its_channel()
    {
        Write("1-0040/hwmon/hwmon3/in1_label", "VDD_IN");
        Write("1-0040/hwmon/hwmon3/in1_input", "5080");
        Write("1-0040/hwmon/hwmon3/curr1_input", "1460");
        using var sensor = new Ina3221Sensor(Path.Combine(root, "1-0040", "hwmon"), channel: 1);

        var sample = sensor.Read(T0)!;
        (sample.Volts, sample.Amps).ShouldBe((5.08, 1.46));
        sample.Watts.ShouldBe(5.08 * 1.46, 1e-9);
        sensor.Name.ShouldBe("ina3221 channel 1 (VDD_IN)");
    }

    [Fact]
    public void Ina3221_through_the_old_iio_driver_reads_its_power_file()
    {
        Write("6-0040/iio:device0/rail_name_0", "POM_5V_IN");
        Write("6-0040/iio:device0/in_voltage0_input", "5104");
        Write("6-0040/iio:device0/in_current0_input", "812");
        Write("6-0040/iio:device0/in_power0_input", "4144");
        using var sensor = new Ina3221Sensor(Path.Combine(root, "6-0040", "iio:device0"), channel: 1);

        var sample = sensor.Read(T0)!;
        (sample.Volts, sample.Amps, sample.Watts).ShouldBe((5.104, 0.812, 4.144));
        sensor.Name.ShouldContain("POM_5V_IN");
    }

    [Fact]
    public void A_missing_ina3221_or_channel_is_a_clear_fault()
    {
        Should.Throw<PowerSensorException>(() => new Ina3221Sensor(Path.Combine(root, "nothing"), 1)).Message.ShouldContain("does not exist");
        Write("1-0040/hwmon/hwmon0/in1_input", "5000");
        Should.Throw<PowerSensorException>(() => new Ina3221Sensor(Path.Combine(root, "1-0040", "hwmon"), 2)).Message.ShouldContain("no channel 2");
    }

    [Fact]
    public void A_file_that_turns_unreadable_mid_run_is_a_fault_not_a_zero()
    {
        Write("1-0040/hwmon/hwmon0/in1_input", "5000");
        Write("1-0040/hwmon/hwmon0/curr1_input", "500");
        using var sensor = new Ina3221Sensor(Path.Combine(root, "1-0040", "hwmon"), 1);
        File.WriteAllText(Path.Combine(root, "1-0040/hwmon/hwmon0/curr1_input"), "garbage");
        Should.Throw<PowerSensorException>(() => sensor.Read(T0)).Message.ShouldContain("curr1_input");
    }
}
