using SetGan.Core.Link;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using SetGan.Agent.Outbox;
using Microsoft.Extensions.Options;
using SetGan.Agent.Power;
using SetGan.Core.Energy;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>
/// Runs the power sampler for the agent's lifetime: every batch period its samples go into the
/// outbox as one telemetry message (kept in memory and retried if the outbox refuses them), and the
/// average power of the period is logged.
/// </summary>
public sealed class PowerService(IOptions<AgentOptions> options, AgentRuntime runtime, ILogger log, TimeProvider time) : BackgroundService
{
    private readonly ConcurrentQueue<PowerSample> pending = new();
    private long stored;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.Value;
        var sampler = runtime.Sampler;
        sampler.Sampled += pending.Enqueue;
        sampler.Start();
        log.Information("Power sensing: {Sensor} at {Rate} Hz{Estimated}", sampler.Sensor.Name, sampler.Rate, sampler.Sensor.IsEstimate ? " (estimated, not measured)" : "");
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var from = time.GetUtcNow();
                await Task.Delay(TimeSpan.FromSeconds(o.PowerBatchSeconds), time, stopping);
                Store(o.Device);
                var energy = sampler.Energy(from, time.GetUtcNow());
                log.Information("Power {Watts:F3} W average over {Seconds:F1} s ({Samples} samples, {Gap:F1} s in sensor gaps, {Kind})",
                    energy.AverageWatts, energy.Covered.TotalSeconds, energy.Samples, energy.Gaps.TotalSeconds, energy.Estimated ? "estimated" : "measured");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        sampler.Sampled -= pending.Enqueue;
        Store(o.Device); // what was sensed before the stop is kept too
        log.Information("Power sensing stopped: {Stored} samples stored for the cloud in this run", stored);
    }

    /// <summary>Moves the samples sensed so far into the outbox as one batch.</summary>
    private void Store(string device)
    {
        var samples = new List<PowerSample>();
        while (pending.TryPeek(out var s) && samples.Count < 100_000) { pending.TryDequeue(out _); samples.Add(s); }
        if (samples.Count == 0) return;
        try
        {
            long id = runtime.Outbox.Enqueue(Outbox.Outbox.Power, samples.ToBatch(device).Encode(), samples[0].Time);
            stored += samples.Count;
            log.Debug("Stored power batch {Id} with {Count} samples", id, samples.Count);
        }
        catch (OutboxFullException e)
        {
            foreach (var s in samples) pending.Enqueue(s); // kept in memory, in order after newer ones: the batch carries its own times
            log.Error("{Reason}; {Count} power samples stay in memory until there is room", e.Message, samples.Count);
        }
    }

}
