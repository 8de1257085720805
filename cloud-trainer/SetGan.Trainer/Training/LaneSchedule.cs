namespace SetGan.Trainer.Training;

/// <summary>Scales that one thread of the parallel trainer trains one after another.</summary>
public sealed record Lane(int Id, IReadOnlyList<int> Scales, double Cost);

/// <summary>How the scales are dealt to the lanes.</summary>
public enum LanePlan
{
    /// <summary>Longest first to the least loaded lane (LPT): the shortest run when the iteration counts are known.</summary>
    Balanced,

    /// <summary>
    /// The progressive mode's plan: deal every scale but the finest first, then put the finest on the
    /// lane that frees up first. The finest scale then starts later but G_0..G_{N-1}, the first
    /// pyramid a device can use, is done as early as the lanes allow (on 2 cores with the quick
    /// preset: scale N-1 gets a lane of its own instead of queueing behind scales 0..N-2).
    /// </summary>
    PrefixFirst,

    /// <summary>
    /// With early stop, how long each scale trains is not known in advance, so costs cannot balance
    /// the lanes; the finest scale, the longest and the one that bounds the run, gets a lane of its
    /// own and starts at once, the others share the remaining lanes, and their cores go to it when
    /// they run dry (<see cref="CoreBroker"/>). They also finish sooner, so it hands over sooner.
    /// </summary>
    FinestAlone,
}

/// <summary>
/// How the parallel modes spread scales over the cores. Small scales use threads poorly and the
/// finest scale holds most of the work, so each scale trains single-threaded on its own lane: the
/// scales are dealt longest first to the least loaded of min(cores, scales) lanes (LPT), and each
/// lane runs its scales small to large so that usable prefixes appear early. When a lane runs out
/// of work its core goes to the lane with the most work left (<see cref="CoreBroker"/>).
/// </summary>
public static class LaneSchedule
{
    public static IReadOnlyList<Lane> Plan(IReadOnlyDictionary<int, double> costByScale, int cores, LanePlan plan = LanePlan.Balanced)
    {
        if (cores < 1) throw new ArgumentOutOfRangeException(nameof(cores));
        int count = Math.Min(cores, costByScale.Count);
        var scales = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        var load = new double[count];
        int finest = costByScale.Count == 0 ? -1 : costByScale.Keys.Max();
        var longestFirst = costByScale.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).ToList();
        void Deal(int scale, double cost, int lane)
        {
            scales[lane].Add(scale);
            load[lane] += cost;
        }
        int LeastLoaded(int from) => Enumerable.Range(from, count - from).MinBy(i => load[i]);
        if (count > 1 && plan == LanePlan.FinestAlone)
        {
            Deal(finest, costByScale[finest], 0);
            foreach (var (scale, cost) in longestFirst.Where(kv => kv.Key != finest)) Deal(scale, cost, LeastLoaded(1));
        }
        else
        {
            var dealt = count > 1 && plan == LanePlan.PrefixFirst ? longestFirst.Where(kv => kv.Key != finest).Append(longestFirst.First(kv => kv.Key == finest)) : longestFirst;
            foreach (var (scale, cost) in dealt) Deal(scale, cost, LeastLoaded(0));
        }
        return scales.Select((s, i) => new Lane(i, s.Order().ToList(), load[i])).ToList();
    }

    /// <summary>The time the plan takes with one core per lane, in cost units: its longest lane.</summary>
    public static double Makespan(IReadOnlyList<Lane> lanes) => lanes.Count == 0 ? 0 : lanes.Max(l => l.Cost);
}

/// <summary>
/// Hands the cores of finished lanes to the lane with the most work left. libtorch takes its
/// thread count per calling thread (OpenMP), so each lane sets its own between iterations.
/// </summary>
public sealed class CoreBroker
{
    private readonly object gate = new();
    private readonly int cores;
    private readonly double[] remaining;
    private readonly bool[] done;

    public CoreBroker(IReadOnlyList<Lane> lanes, int cores)
    {
        this.cores = cores;
        remaining = lanes.Select(l => l.Cost).ToArray();
        done = new bool[lanes.Count];
    }

    public void Worked(int lane, double cost)
    {
        lock (gate) remaining[lane] = Math.Max(0, remaining[lane] - cost);
    }

    public void Finished(int lane)
    {
        lock (gate) { done[lane] = true; remaining[lane] = 0; }
    }

    /// <summary>Threads lane <paramref name="lane"/> should use now: 1, plus every spare core if it has the most work left.</summary>
    public int Threads(int lane)
    {
        lock (gate)
        {
            int active = done.Count(d => !d);
            if (active == 0 || done[lane]) return 1;
            int spare = Math.Max(0, cores - active);
            int busiest = Enumerable.Range(0, remaining.Length).Where(i => !done[i]).MaxBy(i => remaining[i]);
            return lane == busiest ? 1 + spare : 1;
        }
    }
}
