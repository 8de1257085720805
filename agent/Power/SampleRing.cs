namespace SetGan.Agent.Power;

/// <summary>
/// The sampler's recent readings, oldest dropped past a capacity, kept as structs in one array. As a queue of
/// objects, the 200,000 readings a sampler keeps (200 s at 1 kHz, half an hour at the default 100 Hz) took 80 bytes
/// each, 16 MB of long-lived objects for the collector to walk on a device whose whole budget is 120 MB; as 48-byte
/// structs they take 9.6 MB in one array the collector does not walk, grown only as readings arrive.
/// </summary>
internal sealed class SampleRing(int capacity)
{
    private Stored[] items = new Stored[Math.Min(capacity, 1024)];
    private int start, count;

    public void Add(PowerSample sample)
    {
        if (count == items.Length && items.Length < capacity)
        {
            var grown = new Stored[Math.Min(capacity, items.Length * 2)];
            for (int i = 0; i < count; i++) grown[i] = items[(start + i) % items.Length];
            (items, start) = (grown, 0);
        }
        if (count < items.Length) items[(start + count++) % items.Length] = new Stored(sample);
        else
        {
            items[start] = new Stored(sample); // full: the oldest gives way
            start = (start + 1) % items.Length;
        }
    }

    /// <summary>The readings between two times (inclusive), oldest first.</summary>
    public List<PowerSample> Between(DateTimeOffset from, DateTimeOffset to)
    {
        long fromTicks = from.UtcTicks, toTicks = to.UtcTicks;
        var found = new List<PowerSample>();
        for (int i = 0; i < count; i++)
        {
            ref readonly var s = ref items[(start + i) % items.Length];
            if (s.UtcTicks >= fromTicks && s.UtcTicks <= toTicks) found.Add(s.ToSample());
        }
        return found;
    }

    private readonly struct Stored(PowerSample s)
    {
        public readonly long UtcTicks = s.Time.UtcTicks;
        private readonly double volts = s.Volts, amps = s.Amps, watts = s.Watts;
        private readonly string source = s.Source;
        private readonly bool estimated = s.Estimated;

        public PowerSample ToSample() => new(new DateTimeOffset(UtcTicks, TimeSpan.Zero), volts, amps, watts, source, estimated);
    }
}
