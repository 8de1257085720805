using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SetGan.Agent.Power;
using SetGan.Core.Energy;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>Runs the power sampler for the agent's lifetime and logs what the board draws every ten seconds.</summary>
public sealed class PowerService(IOptions<AgentOptions> options, ILogger log, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    public PowerSampler? Sampler { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.Value;
        var profile = DeviceProfiles.Load(o.Profile);
        Sampler = new PowerSampler(PowerSensors.Create(profile, o.Sensor), o.SampleRateHz, log, time);
        Sampler.Start();
        log.Information("Power sensing: {Sensor} at {Rate} Hz{Estimated}", Sampler.Sensor.Name, Sampler.Rate, Sampler.Sensor.IsEstimate ? " (estimated, not measured)" : "");
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var from = time.GetUtcNow();
                await Task.Delay(ReportEvery, time, stopping);
                var energy = Sampler.Energy(from, time.GetUtcNow());
                log.Information("Power {Watts:F3} W average over {Seconds:F1} s ({Samples} samples, {Gap:F1} s in sensor gaps, {Kind})",
                    energy.AverageWatts, energy.Covered.TotalSeconds, energy.Samples, energy.Gaps.TotalSeconds, energy.Estimated ? "estimated" : "measured");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    public override void Dispose()
    {
        Sampler?.Dispose();
        base.Dispose();
    }
}
