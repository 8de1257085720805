namespace SetGan.Agent.Power;

/// <summary>
/// Intel RAPL through powercap (/sys/class/powercap/intel-rapl:N): a microjoule counter that wraps
/// at max_energy_range_uj. Power is the energy between two reads over the time between them, so the
/// first read gives no sample. Volts and amps are not known: they are reported as 0.
/// </summary>
public sealed class RaplSensor(string zone) : IPowerSensor
{
    private long? lastMicrojoules;
    private DateTimeOffset lastTime;
    private readonly Lazy<long> range = new(() => ReadLong(Path.Combine(zone, "max_energy_range_uj"), Path.GetFileName(zone.TrimEnd('/'))));

    public string Name { get; } = $"rapl {Path.GetFileName(zone.TrimEnd('/'))}";
    private string Zone => Path.GetFileName(zone.TrimEnd('/'));
    public bool IsEstimate => false;

    /// <summary>The counter updates about every millisecond.</summary>
    public double MaxRate => 1000;

    public PowerSample? Read(DateTimeOffset now)
    {
        long energy = ReadLong(Path.Combine(zone, "energy_uj"), Zone);
        var (previous, then) = (lastMicrojoules, lastTime);
        (lastMicrojoules, lastTime) = (energy, now);
        if (previous is not { } before || now <= then) return null;
        long delta = energy - before;
        if (delta < 0) delta += range.Value + 1; // the counter wrapped past max_energy_range_uj
        double watts = delta / 1e6 / (now - then).TotalSeconds;
        return new PowerSample(now, 0, 0, watts, Name);
    }

    private static long ReadLong(string file, string zone)
    {
        try { return long.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new PowerSensorException($"rapl {zone}: cannot read {Path.GetFileName(file)}: {e.Message}", e);
        }
    }

    public void Dispose() { }
}
