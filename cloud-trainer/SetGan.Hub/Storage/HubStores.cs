namespace SetGan.Hub;

/// <summary>The hub's state in its data folder (SQLite file and received images), the same for either transport.</summary>
internal sealed class HubStores : IDisposable
{
    public HubStores(string dataDir, Serilog.ILogger log)
    {
        Directory.CreateDirectory(dataDir);
        Database = new HubDatabase(Path.Combine(dataDir, "hub.db"), log);
        Devices = new DeviceRegistry(Database);
        Twins = new TwinStore(Database, Devices);
        Telemetry = new TelemetryStore(Database, Path.Combine(dataDir, "images"), log);
        Groups = new EnrollmentGroups(Database, Devices, Twins);
    }

    public HubDatabase Database { get; }
    public DeviceRegistry Devices { get; }
    public TwinStore Twins { get; }
    public TelemetryStore Telemetry { get; }
    public EnrollmentGroups Groups { get; }

    public void Dispose() => Database.Dispose();
}
