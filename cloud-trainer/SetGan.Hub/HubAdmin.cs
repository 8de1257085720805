using System.Text.Json;
using System.Text.Json.Serialization;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>Where a running embedded hub can be reached: written to DATA/hub.json at every start, read by the admin commands.</summary>
public sealed record HubEndpoint(string HostName, int MqttPort, int HttpsPort, string CertificateSha256)
{
    public const string File = "hub.json";

    internal void Save(string dataDir) =>
        System.IO.File.WriteAllBytes(Path.Combine(dataDir, File), JsonSerializer.SerializeToUtf8Bytes(this, HubEndpointJson.Default.HubEndpoint));

    public static HubEndpoint? Load(string dataDir)
    {
        string path = Path.Combine(dataDir, File);
        if (!System.IO.File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize(System.IO.File.ReadAllBytes(path), HubEndpointJson.Default.HubEndpoint); }
        catch (JsonException e) { throw new InvalidOperationException($"{path} is unreadable ({e.Message}); start the hub again to rewrite it"); }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HubEndpoint))]
internal sealed partial class HubEndpointJson : JsonSerializerContext;

/// <summary>
/// The hub's registry and twins without its servers, for the operator's commands (`setgan devices ...`)
/// while the hub runs in another process: SQLite (WAL) lets both use the same file.
/// </summary>
public sealed class HubAdmin : IDisposable
{
    private readonly HubStores stores;
    private readonly string dataDir;

    private HubAdmin(string dataDir, Serilog.ILogger log)
    {
        this.dataDir = dataDir;
        stores = new HubStores(dataDir, log);
    }

    public static HubAdmin Open(string dataDir, Serilog.ILogger log) => new(dataDir, log);

    public DeviceRegistry Devices => stores.Devices;
    public EnrollmentGroups Groups => stores.Groups;
    public TwinStore Twins => stores.Twins;
    public TelemetryStore Telemetry => stores.Telemetry;

    /// <summary>The hub's address and certificate; it must have started once (they are in hub.json).</summary>
    public HubEndpoint Endpoint => HubEndpoint.Load(dataDir)
        ?? throw new InvalidOperationException($"the hub in {dataDir} has not started yet, so its certificate and ports are unknown: run `setgan hub --data {dataDir}` once");

    /// <summary>The device's connection string, as the agent takes it.</summary>
    public string ConnectionString(string deviceId)
    {
        var device = Devices.Get(deviceId) ?? throw new KeyNotFoundException($"device '{deviceId}' is not registered");
        var endpoint = Endpoint;
        return new DeviceConnectionString
        {
            HostName = endpoint.HostName, DeviceId = deviceId, SharedAccessKey = device.PrimaryKey, Port = endpoint.MqttPort, CertificateSha256 = endpoint.CertificateSha256,
        }.ToString();
    }

    public void Dispose() => stores.Dispose();
}
