using System.Device.I2c;
using SetGan.Core.Energy;

namespace SetGan.Agent.Power;

/// <summary>Builds the sensor a device profile names; a sensor that is missing fails here with the reason, at start.</summary>
public static class PowerSensors
{
    /// <summary>What to read: the profile's sensor, an emulated INA219 on the profile's power model, or the CPU-time estimate.</summary>
    public const string FromProfile = "profile", Emulated = "emulated-ina219", Estimate = "estimate";

    /// <param name="choice"><see cref="FromProfile"/> (real hardware), <see cref="Emulated"/> or <see cref="Estimate"/>.</param>
    /// <param name="i2c">Opens an I2C device (bus, address); tests pass an emulated chip, devices the real bus.</param>
    public static IPowerSensor Create(DeviceProfile profile, string choice = FromProfile, Func<int, int, I2cDevice>? i2c = null)
    {
        if (choice == Emulated) return new EmulatedBoard(profile);
        if (choice == Estimate) return new CpuTimeModel(profile);
        if (choice != FromProfile) throw new PowerSensorException($"unknown sensor choice '{choice}'; use {FromProfile}, {Emulated} or {Estimate}");
        var spec = profile.PowerSensor;
        PowerSensorException Missing(string field) => new($"{profile.Name}: power_sensor {spec.Kind} needs {field}");
        return spec.Kind switch
        {
            PowerSensorSpec.Ina219 => new Ina219Sensor(
                (i2c ?? OpenBus)(spec.I2cBus ?? throw Missing("i2c_bus"), spec.Address ?? throw Missing("address")),
                spec.ShuntOhms ?? throw Missing("shunt_ohms"),
                spec.MaxCurrentAmps ?? throw Missing("max_current_amps")),
            PowerSensorSpec.Ina3221 => new Ina3221Sensor(spec.HwmonPath ?? throw Missing("hwmon_path"), spec.Channel ?? 1),
            PowerSensorSpec.Rapl => new RaplSensor(spec.PowercapPath ?? throw Missing("powercap_path")),
            PowerSensorSpec.Estimate => new CpuTimeModel(profile),
            _ => throw new PowerSensorException($"{profile.Name}: unknown power sensor kind '{spec.Kind}'"),
        };
    }

    private static I2cDevice OpenBus(int bus, int address)
    {
        if (!File.Exists($"/dev/i2c-{bus}"))
            throw new PowerSensorException($"ina219: /dev/i2c-{bus} does not exist (enable I2C, e.g. dtparam=i2c_arm=on on a Raspberry Pi, or fix i2c_bus in the profile)");
        return I2cDevice.Create(new I2cConnectionSettings(bus, address));
    }
}
