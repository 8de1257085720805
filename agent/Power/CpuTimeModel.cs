using SetGan.Core.Energy;

namespace SetGan.Agent.Power;

/// <summary>
/// For boards without a sensor: power = idle watts + this process's CPU use x the board's full-load
/// dynamic power (energy per FLOP x sustained FLOP/s, both from the device profile). Labelled an
/// estimate in every sample, and never reported as a measurement.
/// </summary>
public sealed class CpuTimeModel(DeviceProfile profile, Func<TimeSpan>? cpuTime = null) : IPowerSensor
{
    private readonly Func<TimeSpan> cpu = cpuTime ?? (() => Environment.CpuUsage.TotalTime); // getrusage: no allocation per reading
    private TimeSpan lastCpu;
    private DateTimeOffset? lastTime;

    public string Name => $"cpu-time model ({profile.Name})";
    public bool IsEstimate => true;
    public double MaxRate => 100;

    /// <summary>Watts above idle with every core busy.</summary>
    public double FullLoadDynamicWatts => profile.EnergyPerFlopJoules.Value * profile.SustainedGflops.Value * 1e9;

    public PowerSample? Read(DateTimeOffset now)
    {
        var used = cpu();
        var (before, then) = (lastCpu, lastTime);
        (lastCpu, lastTime) = (used, now);
        if (then is not { } t || now <= t) return null;
        double busy = Math.Clamp((used - before).TotalSeconds / (now - t).TotalSeconds / profile.Cores, 0, 1);
        return new PowerSample(now, 0, 0, profile.IdleWatts.Value + busy * FullLoadDynamicWatts, Name, Estimated: true);
    }

    public void Dispose() { }
}
