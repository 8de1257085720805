using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>A device twin: desired (set by the cloud) and reported (set by the device), each with its own version.</summary>
public sealed record Twin(JsonObject Desired, long DesiredVersion, JsonObject Reported, long ReportedVersion)
{
    /// <summary>A device's twin before anything was desired or reported.</summary>
    public static Twin Empty => new([], 1, [], 1);

    /// <summary>The body IoT Hub answers a twin GET with: each section carries its "$version".</summary>
    public JsonObject ToDocument() => new()
    {
        ["desired"] = WithVersion(Desired, DesiredVersion),
        ["reported"] = WithVersion(Reported, ReportedVersion),
    };

    internal static JsonObject WithVersion(JsonObject section, long version)
    {
        var copy = (JsonObject)section.DeepClone();
        copy[TwinProperties.Version] = version;
        return copy;
    }
}

/// <summary>
/// Twins in SQLite. Both sections start empty at version 1 (as IoT Hub's do); every patch is an
/// RFC 7396 merge and bumps its section's version, so a device can tell a stale patch from a new one.
/// </summary>
public sealed class TwinStore
{
    private readonly HubDatabase db;
    private readonly DeviceRegistry devices;

    internal TwinStore(HubDatabase db, DeviceRegistry devices) => (this.db, this.devices) = (db, devices);

    public Task<Twin> GetAsync(string deviceId, CancellationToken ct = default) => Task.FromResult(Get(deviceId));

    public Twin Get(string deviceId)
    {
        Registered(deviceId);
        return db.Read(c => Load(c, null, deviceId));
    }

    /// <summary>Every stored twin in one query, for fleet-wide views (a device that never had a twin is absent).</summary>
    public IReadOnlyDictionary<string, Twin> All() =>
        db.Read(c => c.Query("SELECT device, desired, desired_version, reported, reported_version FROM twins",
            r => (Device: r.GetString(0), Twin: new Twin((JsonObject)JsonNode.Parse(r.GetString(1))!, r.GetInt64(2), (JsonObject)JsonNode.Parse(r.GetString(3))!, r.GetInt64(4)))))
            .ToDictionary(t => t.Device, t => t.Twin);

    /// <summary>Merges a patch into desired; returns the new version and the whole twin.</summary>
    internal Twin PatchDesired(string deviceId, JsonObject patch) => Patch(deviceId, patch, desired: true);

    internal Twin PatchReported(string deviceId, JsonObject patch) => Patch(deviceId, patch, desired: false);

    private Twin Patch(string deviceId, JsonObject patch, bool desired)
    {
        Registered(deviceId);
        var clean = WithoutMetadata(patch);
        return db.InTransaction((c, tx) =>
        {
            var twin = Load(c, tx, deviceId);
            twin = desired
                ? twin with { Desired = JsonMergePatch.Apply(twin.Desired, clean), DesiredVersion = twin.DesiredVersion + 1 }
                : twin with { Reported = JsonMergePatch.Apply(twin.Reported, clean), ReportedVersion = twin.ReportedVersion + 1 };
            c.Execute("""
                INSERT INTO twins (device, desired, desired_version, reported, reported_version) VALUES ($d, $des, $dv, $rep, $rv)
                ON CONFLICT (device) DO UPDATE SET desired = $des, desired_version = $dv, reported = $rep, reported_version = $rv
                """, tx, ("$d", deviceId), ("$des", twin.Desired.ToJsonString()), ("$dv", twin.DesiredVersion),
                ("$rep", twin.Reported.ToJsonString()), ("$rv", twin.ReportedVersion));
            return twin;
        });
    }

    private static Twin Load(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction? tx, string deviceId)
    {
        var rows = tx is null
            ? c.Query("SELECT desired, desired_version, reported, reported_version FROM twins WHERE device = $d", Row, ("$d", deviceId))
            : c.Query(tx, "SELECT desired, desired_version, reported, reported_version FROM twins WHERE device = $d", Row, ("$d", deviceId));
        return rows.SingleOrDefault() ?? Twin.Empty;
    }

    private static Twin Row(Microsoft.Data.Sqlite.SqliteDataReader r) =>
        new((JsonObject)JsonNode.Parse(r.GetString(0))!, r.GetInt64(1), (JsonObject)JsonNode.Parse(r.GetString(2))!, r.GetInt64(3));

    // "$version" (and any other "$" name) is the hub's to set, never stored from a patch.
    internal static JsonObject WithoutMetadata(JsonObject patch)
    {
        var copy = (JsonObject)patch.DeepClone();
        foreach (string key in copy.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList()) copy.Remove(key);
        return copy;
    }

    private void Registered(string deviceId)
    {
        if (devices.Get(deviceId) is null) throw new KeyNotFoundException($"device '{deviceId}' is not registered");
    }
}
