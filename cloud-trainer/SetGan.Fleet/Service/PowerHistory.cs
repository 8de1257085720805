using System.Collections.Concurrent;
using SetGan.Core.Link;
using SetGan.Hub;

namespace SetGan.Fleet.Service;

/// <summary>One point of a device's power chart: the mean of the samples in a half-second bucket.</summary>
public sealed record PowerPoint(DateTimeOffset Time, double Watts);

/// <summary>
/// The last minutes of power per device, for the dashboard's live charts and its "power now" column.
/// Batches arrive with up to 1,000 samples a second; the chart needs two points a second, so samples are
/// averaged into half-second buckets as they arrive and only the window is kept (in memory: the full
/// record stays in the hub's SQLite).
/// </summary>
public sealed class PowerHistory
{
    private static readonly TimeSpan Bucket = TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan window;
    private readonly ConcurrentDictionary<string, Series> series = new();
    private readonly Serilog.ILogger log;

    public PowerHistory(TimeSpan window, Serilog.ILogger log) => (this.window, this.log) = (window, log);

    public void OnTelemetry(TelemetryEvent message)
    {
        if (message.Kind != MessageProperties.PowerKind) return;
        PowerBatch batch;
        try { batch = PowerBatch.Decode(message.Body); }
        catch (System.Text.Json.JsonException e)
        {
            log.Debug("Power batch from {Device} not charted: {Reason}", message.DeviceId, e.Message);
            return;
        }
        series.GetOrAdd(message.DeviceId, _ => new Series()).Add(batch, window);
    }

    /// <summary>The device's points in the window, oldest first, and whether they were estimated rather than measured.</summary>
    public (IReadOnlyList<PowerPoint> Points, bool Estimated) Of(string deviceId) =>
        series.TryGetValue(deviceId, out var s) ? s.Snapshot() : ([], false);

    /// <summary>The newest bucket's mean, or null when nothing arrived in the window.</summary>
    public (double Watts, DateTimeOffset Time, bool Estimated)? Now(string deviceId) =>
        series.TryGetValue(deviceId, out var s) ? s.Latest() : null;

    private sealed class Series
    {
        private readonly SortedDictionary<long, (double Sum, int Count)> buckets = [];
        private bool estimated;

        public void Add(PowerBatch batch, TimeSpan window)
        {
            lock (buckets)
            {
                estimated = batch.Estimated;
                foreach (var row in batch.Samples)
                {
                    long key = (batch.From + TimeSpan.FromSeconds(row.T)).UtcTicks / Bucket.Ticks;
                    buckets[key] = buckets.TryGetValue(key, out var b) ? (b.Sum + row.W, b.Count + 1) : (row.W, 1);
                }
                long oldest = buckets.Count == 0 ? 0 : buckets.Keys.Last() - window.Ticks / Bucket.Ticks;
                foreach (long stale in buckets.Keys.TakeWhile(k => k < oldest).ToList()) buckets.Remove(stale);
            }
        }

        public (IReadOnlyList<PowerPoint>, bool) Snapshot()
        {
            lock (buckets) return (buckets.Select(b => new PowerPoint(Time(b.Key), b.Value.Sum / b.Value.Count)).ToList(), estimated);
        }

        public (double, DateTimeOffset, bool)? Latest()
        {
            lock (buckets)
            {
                if (buckets.Count == 0) return null;
                var last = buckets.Last();
                return (last.Value.Sum / last.Value.Count, Time(last.Key), estimated);
            }
        }

        private static DateTimeOffset Time(long key) => new(key * Bucket.Ticks, TimeSpan.Zero);
    }
}
