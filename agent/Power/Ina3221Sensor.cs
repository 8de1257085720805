using System.Globalization;

namespace SetGan.Agent.Power;

/// <summary>
/// A Jetson's on-board INA3221 through the kernel: the hwmon driver (L4T 35+, Linux
/// Documentation/hwmon/ina3221.rst: in{c}_input bus millivolts, curr{c}_input milliamps), or the older
/// iio driver of L4T 32 (in_voltage{c-1}_input, in_current{c-1}_input, in_power{c-1}_input in mV, mA,
/// mW). Given a ".../hwmon" folder, it takes the hwmonN inside.
/// </summary>
public sealed class Ina3221Sensor : IPowerSensor
{
    private readonly string folder;
    private readonly int channel;
    private readonly bool iio;

    public Ina3221Sensor(string path, int channel)
    {
        if (channel is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(channel), "the INA3221 has channels 1..3");
        this.channel = channel;
        folder = Resolve(path);
        iio = File.Exists(Path.Combine(folder, $"in_power{channel - 1}_input"));
        if (!iio && !File.Exists(Path.Combine(folder, $"curr{channel}_input")))
            throw new PowerSensorException($"ina3221 {path}: no channel {channel} there (neither curr{channel}_input nor in_power{channel - 1}_input)");
        string rail = iio ? TryRead($"rail_name_{channel - 1}") : TryRead($"in{channel}_label");
        Name = $"ina3221 channel {channel}{(rail.Length > 0 ? $" ({rail})" : "")}";
    }

    public string Name { get; }
    public bool IsEstimate => false;

    /// <summary>The driver's default update interval is about 1 ms per channel at most.</summary>
    public double MaxRate => 500;

    public PowerSample? Read(DateTimeOffset now)
    {
        if (iio)
        {
            double mv = Number($"in_voltage{channel - 1}_input"), ma = Number($"in_current{channel - 1}_input"), mw = Number($"in_power{channel - 1}_input");
            return new PowerSample(now, mv / 1000, ma / 1000, mw / 1000, Name);
        }
        double volts = Number($"in{channel}_input") / 1000, amps = Number($"curr{channel}_input") / 1000;
        return new PowerSample(now, volts, amps, volts * amps, Name);
    }

    private static string Resolve(string path)
    {
        if (!Directory.Exists(path)) throw new PowerSensorException($"ina3221: '{path}' does not exist (is this a Jetson with the INA3221 driver loaded?)");
        if (Path.GetFileName(path.TrimEnd('/')) == "hwmon")
            return Directory.GetDirectories(path, "hwmon*").Order().FirstOrDefault() ?? throw new PowerSensorException($"ina3221: no hwmonN folder in '{path}'");
        return path;
    }

    private double Number(string file)
    {
        try { return double.Parse(File.ReadAllText(Path.Combine(folder, file)).Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new PowerSensorException($"{Name}: cannot read {file}: {e.Message}", e);
        }
    }

    private string TryRead(string file)
    {
        string path = Path.Combine(folder, file);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    public void Dispose() { }
}
