using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MQTTnet.Server;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Hub;

/// <summary>
/// An IoT Hub of our own: devices connect with the same code, topics and SAS tokens they use with
/// Azure's. MQTT over TLS (3.1.1 and 5) on one port, package downloads over HTTPS on another, both
/// with one self-signed certificate whose SHA-256 devices pin.
/// </summary>
public sealed partial class EmbeddedHub : IDeviceHub
{
    private readonly HubOptions options;
    private readonly Serilog.ILogger log;
    private readonly HubStores stores;
    private readonly X509Certificate2 certificate;
    private readonly HubCore core;
    private readonly DeviceAccess access;
    private readonly ConcurrentDictionary<string, long> connections = new();
    private readonly CancellationTokenSource stopping = new();
    private long lastConnection;
    private MqttServer? server;
    private PackageEndpoint? packages;

    private EmbeddedHub(HubOptions options, Serilog.ILogger log)
    {
        this.options = options;
        this.log = log;
        stores = new HubStores(options.DataDir, log);
        certificate = HubCertificate.LoadOrCreate(options.DataDir, options.HostName, log);
        CertificateSha256 = HubCertificate.Fingerprint(certificate);
        core = new HubCore(Devices, Twins, Telemetry, new Injector(this), options.MethodTimeout, log);
        access = new DeviceAccess(Devices, stores.Groups, options.HostName, options.Time, log);
        Devices.Revoked += Revoke;
    }

    public static async Task<EmbeddedHub> StartAsync(HubOptions options, Serilog.ILogger log, CancellationToken ct = default)
    {
        var hub = new EmbeddedHub(options, log);
        try
        {
            await hub.StartMqttAsync();
            hub.packages = await PackageEndpoint.StartAsync(hub.PackagesFolder, options.HttpsPort, hub.certificate, log, ct);
            new HubEndpoint(options.HostName, hub.MqttPort, hub.HttpsPort, hub.CertificateSha256).Save(options.DataDir);
            log.Information("Hub {HostName} listening: MQTT/TLS on {MqttPort}, HTTPS on {HttpsPort}, certificate SHA-256 {Fingerprint}",
                options.HostName, hub.MqttPort, hub.HttpsPort, hub.CertificateSha256);
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    public int MqttPort { get; private set; }
    public int HttpsPort => packages?.Port ?? 0;
    public string CertificateSha256 { get; }
    public DeviceRegistry Devices => stores.Devices;
    public EnrollmentGroups Groups => stores.Groups;
    public TwinStore Twins => stores.Twins;
    public TelemetryStore Telemetry => stores.Telemetry;
    private string PackagesFolder => Path.Combine(options.DataDir, "packages");

    public event Action<TelemetryEvent>? TelemetryReceived { add => core.TelemetryReceived += value; remove => core.TelemetryReceived -= value; }
    public event Action<ImageRecord>? ImageReceived { add => core.ImageReceived += value; remove => core.ImageReceived -= value; }
    public event Action<string, JsonObject>? ReportedChanged { add => core.ReportedChanged += value; remove => core.ReportedChanged -= value; }
    public event Action<string, bool>? ConnectionChanged { add => core.ConnectionChanged += value; remove => core.ConnectionChanged -= value; }

    public bool IsConnected(string deviceId) => core.IsConnected(deviceId);

    /// <summary>What a device needs to reach this hub: its key, the port, and the certificate fingerprint to pin.</summary>
    public string ConnectionString(string deviceId)
    {
        var device = Devices.Get(deviceId) ?? throw new KeyNotFoundException($"device '{deviceId}' is not registered");
        return new DeviceConnectionString
        {
            HostName = options.HostName, DeviceId = deviceId, SharedAccessKey = device.PrimaryKey, Port = MqttPort, CertificateSha256 = CertificateSha256,
        }.ToString();
    }

    public Task<long> UpdateDesiredAsync(string deviceId, JsonObject patch, CancellationToken ct = default) => core.UpdateDesiredAsync(deviceId, patch, ct);

    public Task<MethodResult> InvokeMethodAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout = null, CancellationToken ct = default) =>
        core.InvokeMethodAsync(deviceId, method, payload, timeout, ct);

    public Task SendCloudToDeviceAsync(string deviceId, byte[] body, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default) =>
        core.SendCloudToDeviceAsync(deviceId, body, properties, ct);

    /// <summary>
    /// Packs a package folder into DataDir/packages/{sha256}.tar and says where devices fetch it. The
    /// signature is the package's manifest.sig in Base64, the string the agent compares with that file.
    /// </summary>
    public PackageReference PublishPackage(string packageFolder) =>
        PackagePublisher.Publish(PackagesFolder, $"https://{options.HostName}:{HttpsPort}", packageFolder, log);

    public async ValueTask DisposeAsync()
    {
        Devices.Revoked -= Revoke;
        await stopping.CancelAsync();
        if (server is not null)
        {
            await server.StopAsync();
            server.Dispose();
        }
        if (packages is not null) await packages.DisposeAsync();
        stores.Dispose();
        certificate.Dispose();
        stopping.Dispose();
    }
}
