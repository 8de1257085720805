using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>An enrollment group: its name, its key (on every board's image), and the desired properties its devices start with.</summary>
public sealed record EnrollmentGroup(string Name, string GroupKey, JsonObject Desired);

/// <summary>
/// Group enrollment (<see cref="GroupEnrollment"/>, IoT Hub DPS's symmetric-key scheme): a device that is
/// not registered yet may connect with a SAS token signed by the key derived from a group's key and its
/// id; the hub then registers it with that key, in that group, with the group's desired properties (its
/// budget). Unlike DPS there is no separate provisioning endpoint: the hub enrolls at the first connect.
/// A removed device may enroll again; a disabled one stays refused.
/// </summary>
public sealed class EnrollmentGroups
{
    private readonly HubDatabase db;
    private readonly DeviceRegistry devices;
    private readonly TwinStore twins;

    internal EnrollmentGroups(HubDatabase db, DeviceRegistry devices, TwinStore twins) => (this.db, this.devices, this.twins) = (db, devices, twins);

    /// <summary>The group, made with a new key the first time.</summary>
    public EnrollmentGroup GetOrCreate(string name)
    {
        if (!DeviceRegistry.IsValidId(name)) throw new ArgumentException($"group name '{name}' must be 1-128 of letters, digits, '-', '.', '_' or ':'", nameof(name));
        if (Get(name) is { } existing) return existing;
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        db.InTransaction((c, tx) => c.Execute("INSERT OR IGNORE INTO enrollment_groups (name, group_key, desired, created) VALUES ($n, $k, '{}', $t)", tx,
            ("$n", name), ("$k", key), ("$t", DateTimeOffset.UtcNow.ToString("O"))));
        return Get(name)!;
    }

    public EnrollmentGroup? Get(string name) =>
        db.Read(c => c.Query("SELECT name, group_key, desired FROM enrollment_groups WHERE name = $n", Row, ("$n", name))).SingleOrDefault();

    public IReadOnlyList<EnrollmentGroup> List() => db.Read(c => c.Query("SELECT name, group_key, desired FROM enrollment_groups ORDER BY name", Row));

    /// <summary>The desired properties new members start with (a budget, a package), merged into what the group had.</summary>
    public void SetDesired(string name, JsonObject patch)
    {
        var group = Get(name) ?? throw new KeyNotFoundException($"enrollment group '{name}' does not exist");
        var merged = JsonMergePatch.Apply(group.Desired, patch);
        db.InTransaction((c, tx) => c.Execute("UPDATE enrollment_groups SET desired = $d WHERE name = $n", tx, ("$n", name), ("$d", merged.ToJsonString())));
    }

    /// <summary>The group a device joined by enrolling, or null.</summary>
    public string? GroupOf(string deviceId) =>
        db.Read(c => c.Query("SELECT grp FROM group_members WHERE device = $d", r => r.GetString(0), ("$d", deviceId))).SingleOrDefault();

    /// <summary>
    /// An unregistered device's first connection: registers it when its token verifies with a group's derived key.
    /// Returns the group's name, or null (and the token is refused as for any unknown device).
    /// </summary>
    internal string? TryEnroll(string deviceId, string token, string hostName, DateTimeOffset now)
    {
        if (!DeviceRegistry.IsValidId(deviceId)) return null;
        foreach (var group in List())
        {
            string key = GroupEnrollment.DeviceKey(group.GroupKey, deviceId);
            if (SasToken.Validate(token, SasToken.Resource(hostName, deviceId), key, now) is not null) continue;
            try { devices.Add(deviceId, key); }
            catch (InvalidOperationException) { return null; } // registered meanwhile: the normal rules apply
            db.InTransaction((c, tx) => c.Execute("INSERT OR REPLACE INTO group_members (device, grp) VALUES ($d, $g)", tx, ("$d", deviceId), ("$g", group.Name)));
            if (group.Desired.Count > 0) twins.PatchDesired(deviceId, group.Desired);
            return group.Name;
        }
        return null;
    }

    private static EnrollmentGroup Row(Microsoft.Data.Sqlite.SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), JsonNode.Parse(r.GetString(2)) as JsonObject ?? []);
}
