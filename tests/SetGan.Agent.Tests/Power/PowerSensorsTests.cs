using SetGan.Agent.Power;
using SetGan.Core.Energy;

namespace SetGan.Agent.Tests.Power;

public class PowerSensorsTests
{
    private static DeviceProfile Profile(string name) => DeviceProfiles.Load(name, RepoPaths.File("device-profiles"));

    [Fact]
    public void A_pi_profile_opens_its_ina219_on_the_bus_and_address_it_names()
    {
        (int Bus, int Address)? opened = null;
        using var sensor = PowerSensors.Create(Profile("raspberry-pi-4"), PowerSensors.FromProfile, (bus, address) =>
        {
            opened = (bus, address);
            return new EmulatedIna219(shuntOhms: 0.1, bus, address);
        });
        opened.ShouldBe((1, 0x40));
        sensor.ShouldBeOfType<Ina219Sensor>().Calibration.ShouldBe((ushort)4096);
    }

    [Fact]
    public void Profiles_name_the_sensor_their_board_has()
    {
        var spec = Profile("x86-dev-box").PowerSensor;
        spec.Kind.ShouldBe(PowerSensorSpec.Rapl);
        Profile("jetson-orin-nano").PowerSensor.Kind.ShouldBe(PowerSensorSpec.Ina3221);
    }

    [Fact]
    public void A_board_without_the_i2c_bus_gets_a_clear_error_at_start()
    {
        var profile = Profile("raspberry-pi-4") with { PowerSensor = Profile("raspberry-pi-4").PowerSensor with { I2cBus = 97 } };
        Should.Throw<PowerSensorException>(() => PowerSensors.Create(profile)).Message.ShouldContain("/dev/i2c-97 does not exist");
    }

    [Fact]
    public void The_emulated_board_goes_through_the_real_driver_but_labels_every_sample_estimated()
    {
        using var sensor = PowerSensors.Create(Profile("raspberry-pi-4"), PowerSensors.Emulated);
        Thread.Sleep(2 * Ina219Sensor.ConversionTime); // the emulated chip converts at the real one's pace, from its configuration on
        var sample = sensor.Read(DateTimeOffset.UnixEpoch)!;

        sensor.IsEstimate.ShouldBeTrue();
        sample.Estimated.ShouldBeTrue();
        sample.Source.ShouldStartWith("emulated ina219@0x40");
        sample.Volts.ShouldBe(5.1, 0.004);
        sample.Watts.ShouldBeGreaterThanOrEqualTo(Profile("raspberry-pi-4").IdleWatts.Value - 0.01);
    }

    [Fact]
    public void The_estimate_kind_is_the_cpu_time_model()
    {
        var profile = Profile("raspberry-pi-5") with { PowerSensor = new PowerSensorSpec { Kind = PowerSensorSpec.Estimate } };
        using var sensor = PowerSensors.Create(profile);
        sensor.IsEstimate.ShouldBeTrue();
    }
}
