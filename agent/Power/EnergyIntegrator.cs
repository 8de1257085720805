namespace SetGan.Agent.Power;

/// <summary>Energy over a window of samples, and how much of the window had no readings.</summary>
public sealed record EnergyReading(double Joules, TimeSpan Covered, TimeSpan Gaps, int Samples, bool Estimated)
{
    public double AverageWatts => Covered > TimeSpan.Zero ? Joules / Covered.TotalSeconds : double.NaN;
}

/// <summary>
/// Trapezoidal integration of power over time. Between two samples on either side of a sensor fault
/// nothing is invented: that stretch is left out and reported as a gap, so a caller can refuse a
/// measurement with too much of it missing. (A late sample because the CPU was busy is not a fault:
/// the power between two good readings is interpolated as usual.)
/// </summary>
public static class EnergyIntegrator
{
    public static EnergyReading Integrate(IReadOnlyList<PowerSample> samples, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<SensorGap> faults)
    {
        var inside = samples.Where(s => s.Time >= from && s.Time <= to).OrderBy(s => s.Time).ToList();
        double joules = 0;
        var covered = TimeSpan.Zero;
        for (int i = 1; i < inside.Count; i++)
        {
            var dt = inside[i].Time - inside[i - 1].Time;
            var (a, b) = (inside[i - 1].Time, inside[i].Time);
            if (faults.Any(g => g.From < b && (g.To ?? DateTimeOffset.MaxValue) > a)) continue;
            joules += (inside[i].Watts + inside[i - 1].Watts) / 2 * dt.TotalSeconds;
            covered += dt;
        }
        var gaps = (to - from) - covered;
        return new EnergyReading(joules, covered, gaps < TimeSpan.Zero ? TimeSpan.Zero : gaps, inside.Count, inside.Any(s => s.Estimated));
    }
}
