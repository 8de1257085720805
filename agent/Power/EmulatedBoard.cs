using System.Diagnostics;
using SetGan.Core.Energy;

namespace SetGan.Agent.Power;

/// <summary>
/// For machines without the chip (the demo, CI): an emulated INA219 whose load follows the board
/// profile's power model (idle watts + this process's CPU share x full-load dynamic watts at 5.1 V),
/// converting at the real chip's pace and read through the real <see cref="Ina219Sensor"/> and calibration.
/// Every sample is labelled estimated and the sensor names itself emulated: it exercises the driver path,
/// it does not measure anything.
/// </summary>
public sealed class EmulatedBoard : IPowerSensor
{
    private const double Volts = 5.1;
    private readonly Ina219Sensor chip;
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private TimeSpan lastCpu = Environment.CpuUsage.TotalTime;
    private double lastWall, lastBusy;

    /// <summary>
    /// How often the load is re-read. getrusage sums every thread's CPU time under a lock: once per conversion it was
    /// 15 % of the agent's sensing CPU at 1 kHz (perf), a cost the real chip does not have. And over one millisecond a
    /// thread either ran or did not, so the modelled current jumped between idle and full load from reading to reading.
    /// </summary>
    public static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);

    public EmulatedBoard(DeviceProfile profile)
    {
        var spec = profile.PowerSensor;
        double shunt = spec.ShuntOhms ?? 0.1, max = spec.MaxCurrentAmps ?? 3.2;
        double dynamic = profile.EnergyPerFlopJoules.Value * profile.SustainedGflops.Value * 1e9;
        Device = new EmulatedIna219(shunt, spec.I2cBus ?? 1, spec.Address ?? 0x40, TimeProvider.System)
        {
            TrueVolts = Volts,
            AmpsSource = () => Math.Min(max * 0.99, (profile.IdleWatts.Value + Busy(profile.Cores) * dynamic) / Volts),
        };
        chip = new Ina219Sensor(Device, shunt, max);
        Name = $"emulated {chip.Name} (power model of {profile.Name})";
    }

    public EmulatedIna219 Device { get; }
    public string Name { get; }
    public bool IsEstimate => true;
    public double MaxRate => chip.MaxRate;

    public PowerSample? Read(DateTimeOffset now) => chip.Read(now) is { } s ? s with { Source = Name, Estimated = true } : null;

    private double Busy(int cores)
    {
        // getrusage, allocation-free: Process.GetCurrentProcess() built a Process (finalizable) and parsed
        // /proc/self/stat on each of the chip's ~940 conversions a second.
        double now = wall.Elapsed.TotalSeconds, dt = now - lastWall;
        if (dt < LoadInterval.TotalSeconds) return lastBusy;
        var cpu = Environment.CpuUsage.TotalTime;
        lastBusy = Math.Clamp((cpu - lastCpu).TotalSeconds / dt / cores, 0, 1);
        (lastCpu, lastWall) = (cpu, now);
        return lastBusy;
    }

    public void Dispose() => chip.Dispose();
}
