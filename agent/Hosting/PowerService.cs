using SetGan.Core.Link;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using SetGan.Agent.Outbox;
using Microsoft.Extensions.Options;
using SetGan.Agent.Power;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>
/// Runs the power sampler for the agent's lifetime: its samples go into the outbox as telemetry
/// messages (kept in memory and retried if the outbox refuses them), one every batch period or
/// sooner once <see cref="MaxSamplesPerBatch"/> are waiting, and the average power of each batch
/// period is logged.
/// </summary>
public sealed class PowerService(IOptions<AgentOptions> options, AgentRuntime runtime, ILogger log, TimeProvider time) : BackgroundService
{
    /// <summary>
    /// Samples per telemetry message at most: about 45 KB of JSON, under the 85,000 bytes from which
    /// .NET puts an array on the large-object heap, which only a full collection frees. At 1 kHz a
    /// 5 s batch was 400 KB, copied three times on its way out, and the agent peaked 13 MB higher than
    /// with 1 s batches (docs/benchmarks.md). At the default 100 Hz a 5 s batch is 500 samples anyway.
    /// </summary>
    public const int MaxSamplesPerBatch = 500;

    private readonly ConcurrentQueue<PowerSample> pending = new();
    private readonly List<PowerSample> batch = new(MaxSamplesPerBatch);
    private readonly SemaphoreSlim full = new(0);
    private int waiting;
    private long stored;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.Value;
        var sampler = runtime.Sampler;
        sampler.Sampled += Add;
        sampler.Start();
        log.Information("Power sensing: {Sensor} at {Rate} Hz{Estimated}", sampler.Sensor.Name, sampler.Rate, sampler.Sensor.IsEstimate ? " (estimated, not measured)" : "");
        var period = TimeSpan.FromSeconds(o.PowerBatchSeconds);
        try
        {
            var from = time.GetUtcNow();
            while (!stopping.IsCancellationRequested)
            {
                var left = from + period - time.GetUtcNow();
                // The period ends, or a message's worth is waiting: then only full messages go, so the
                // period's remainder is not cut into a small one.
                bool filled = left > TimeSpan.Zero && await full.WaitAsync(left, stopping);
                Store(o.Device, onlyFull: filled);
                if (filled) continue;
                var now = time.GetUtcNow();
                var energy = sampler.Energy(from, now);
                log.Information("Power {Watts:F3} W average over {Seconds:F1} s ({Samples} samples, {Gap:F1} s without readings: faults, or the edges of the period at slow rates; {Kind})",
                    energy.AverageWatts, energy.Covered.TotalSeconds, energy.Samples, energy.Gaps.TotalSeconds, energy.Estimated ? "estimated" : "measured");
                from = now;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        sampler.Sampled -= Add;
        Store(o.Device, onlyFull: false); // what was sensed before the stop is kept too
        log.Information("Power sensing stopped: {Stored} samples stored for the cloud in this run", stored);
    }

    /// <summary>Called on the sampler's thread: queues the sample and wakes the service once a message's worth is waiting.</summary>
    private void Add(PowerSample sample)
    {
        pending.Enqueue(sample);
        if (Interlocked.Increment(ref waiting) == MaxSamplesPerBatch) full.Release();
    }

    /// <summary>
    /// Moves the samples sensed so far into the outbox, at most <see cref="MaxSamplesPerBatch"/> per
    /// message. A batch the outbox refuses stays in memory, first in line, and the next period tries
    /// it again with newer samples added behind it: nothing is dropped and the order holds.
    /// </summary>
    private void Store(string device, bool onlyFull)
    {
        while (true)
        {
            if (onlyFull && Volatile.Read(ref waiting) < MaxSamplesPerBatch) return;
            while (batch.Count < MaxSamplesPerBatch && pending.TryDequeue(out var s)) batch.Add(s);
            if (batch.Count == 0) return;
            int count = batch.Count;
            try
            {
                long id = runtime.Outbox.Enqueue(Outbox.Outbox.Power, batch.ToBatch(device).Encode(), batch[0].Time);
                log.Debug("Stored power batch {Id} with {Count} samples", id, count);
            }
            catch (OutboxFullException e)
            {
                log.Error("{Reason}; {Count} power samples stay in memory until there is room", e.Message, count);
                return;
            }
            batch.Clear();
            Interlocked.Add(ref waiting, -count);
            stored += count;
            if (count < MaxSamplesPerBatch) return;
        }
    }

    public override void Dispose()
    {
        full.Dispose();
        base.Dispose();
    }
}
