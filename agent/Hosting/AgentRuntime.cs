using Microsoft.Extensions.Options;
using SetGan.Agent.Link;
using SetGan.Agent.Power;
using SetGan.Core.Link;
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
        settings = o;
        Connection = o.Link.Mode == LinkModes.None ? null : DeviceConnectionString.Parse(o.Link.ConnectionString, o.Device);
        var downloads = new SocketsHttpHandler();
        if (Connection is { } c) downloads.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ServerTrust.Accepts(c, certificate, errors);
        Packages = new PackageStore(o.DataDir, downloads, log);
    }

    public DeviceProfile Profile { get; }
    public PowerSampler Sampler { get; }
    public Outbox.Outbox Outbox { get; }
    public PackageStore Packages { get; }
    private readonly AgentOptions settings;

    /// <summary>Loads and verifies a package with this device's ONNX Runtime settings.</summary>
    public SetGan.Core.Packaging.PyramidPackage LoadPackage(string folder, string publicKeyPem) => settings.LoadPackage(folder, publicKeyPem, Profile);

    /// <summary>The cloud to talk to; null when Agent:Link:Mode is none.</summary>
    public DeviceConnectionString? Connection { get; }

    public void Dispose()
    {
        Sampler.Dispose();
        Outbox.Dispose();
    }
}
