using Microsoft.Extensions.Options;
using SetGan.Agent.Power;
using SetGan.Core.Energy;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>What the agent's services share: the device profile, the one power sampler and the one outbox.</summary>
public sealed class AgentRuntime : IDisposable
{
    public AgentRuntime(IOptions<AgentOptions> options, ILogger log, TimeProvider time)
    {
        var o = options.Value;
        Profile = DeviceProfiles.Load(o.Profile);
        Outbox = new Outbox.Outbox(Path.Combine(o.DataDir, "outbox.db"), (long)(o.OutboxQuotaMb * 1024 * 1024), log);
        Sampler = new PowerSampler(PowerSensors.Create(Profile, o.Sensor), o.SampleRateHz, log, time);
    }

    public DeviceProfile Profile { get; }
    public PowerSampler Sampler { get; }
    public Outbox.Outbox Outbox { get; }

    public void Dispose()
    {
        Sampler.Dispose();
        Outbox.Dispose();
    }
}
