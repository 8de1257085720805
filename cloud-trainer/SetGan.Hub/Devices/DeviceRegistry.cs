using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SetGan.Hub;

/// <summary>A registered device: its id and the symmetric key (Base64, 32 bytes) its SAS tokens are signed with.</summary>
public sealed record DeviceIdentity(string Id, string PrimaryKey, bool Enabled = true);

/// <summary>
/// The identity registry (IoT Hub's "devices"): who may connect, with which key. Removing or disabling
/// a device revokes it at once: the hub drops its live connection, not just its next one.
/// </summary>
public sealed partial class DeviceRegistry
{
    private readonly HubDatabase db;

    internal DeviceRegistry(HubDatabase db) => this.db = db;

    /// <summary>Raised after a device was removed or disabled, so transports can cut it off.</summary>
    internal event Action<string>? Revoked;

    public DeviceIdentity Add(string deviceId) => Add(deviceId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Registers a device with a given key (a group-enrolled device's derived key).</summary>
    internal DeviceIdentity Add(string deviceId, string key)
    {
        if (!IsValidId(deviceId))
            throw new ArgumentException($"device id '{deviceId}' must be 1-128 of letters, digits, '-', '.', '_' or ':' (it becomes part of MQTT topics)", nameof(deviceId));
        var device = new DeviceIdentity(deviceId, key);
        db.InTransaction((c, tx) =>
        {
            if (c.Query(tx, "SELECT 1 FROM devices WHERE id = $id", _ => 1, ("$id", deviceId)).Count > 0)
                throw new InvalidOperationException($"device '{deviceId}' is registered already");
            c.Execute("INSERT INTO devices (id, primary_key, enabled, created) VALUES ($id, $key, 1, $now)", tx,
                ("$id", deviceId), ("$key", device.PrimaryKey), ("$now", DateTimeOffset.UtcNow.ToString("O")));
        });
        return device;
    }

    public DeviceIdentity? Get(string deviceId) =>
        db.Read(c => c.Query("SELECT id, primary_key, enabled FROM devices WHERE id = $id", Row, ("$id", deviceId))).SingleOrDefault();

    public IReadOnlyList<DeviceIdentity> List() =>
        db.Read(c => c.Query("SELECT id, primary_key, enabled FROM devices ORDER BY id", Row));

    /// <summary>Removes the device and its twin; false when it was not registered.</summary>
    public bool Remove(string deviceId)
    {
        bool removed = db.InTransaction((c, tx) =>
        {
            c.Execute("DELETE FROM twins WHERE device = $id", tx, ("$id", deviceId));
            c.Execute("DELETE FROM group_members WHERE device = $id", tx, ("$id", deviceId));
            c.Execute("DELETE FROM device_tags WHERE device = $id", tx, ("$id", deviceId));
            return c.Execute("DELETE FROM devices WHERE id = $id", tx, ("$id", deviceId)) > 0;
        });
        if (removed) Revoked?.Invoke(deviceId);
        return removed;
    }

    public void SetEnabled(string deviceId, bool enabled)
    {
        int changed = db.InTransaction((c, tx) =>
            c.Execute("UPDATE devices SET enabled = $e WHERE id = $id", tx, ("$id", deviceId), ("$e", enabled ? 1 : 0)));
        if (changed == 0) throw new KeyNotFoundException($"device '{deviceId}' is not registered");
        if (!enabled) Revoked?.Invoke(deviceId);
    }

    /// <summary>
    /// The operator's labels for a device (IoT Hub's twin tags, reduced to names), plus the enrollment group it
    /// joined: `setgan fleet budget --tag T` and `deploy --tag T` address every device carrying T.
    /// </summary>
    public IReadOnlyList<string> Tags(string deviceId) =>
        db.Read(c => c.Query("SELECT tag FROM device_tags WHERE device = $id UNION SELECT grp FROM group_members WHERE device = $id ORDER BY 1",
            r => r.GetString(0), ("$id", deviceId)));

    /// <summary>Every device's tags (and group) in one query, for fleet-wide views.</summary>
    public IReadOnlyDictionary<string, List<string>> AllTags() =>
        db.Read(c => c.Query("SELECT device, tag FROM device_tags UNION SELECT device, grp FROM group_members ORDER BY 1, 2",
            r => (Device: r.GetString(0), Tag: r.GetString(1))))
            .GroupBy(t => t.Device).ToDictionary(g => g.Key, g => g.Select(t => t.Tag).ToList());

    /// <summary>The devices carrying a tag (or enrolled in a group of that name).</summary>
    public IReadOnlyList<string> Tagged(string tag) =>
        db.Read(c => c.Query("SELECT device FROM device_tags WHERE tag = $t UNION SELECT device FROM group_members WHERE grp = $t ORDER BY 1",
            r => r.GetString(0), ("$t", tag)));

    public void AddTag(string deviceId, string tag)
    {
        if (!IsValidId(tag)) throw new ArgumentException($"tag '{tag}' must be 1-128 of letters, digits, '-', '.', '_' or ':'", nameof(tag));
        db.InTransaction((c, tx) =>
        {
            if (c.Query(tx, "SELECT 1 FROM devices WHERE id = $id", _ => 1, ("$id", deviceId)).Count == 0)
                throw new KeyNotFoundException($"device '{deviceId}' is not registered");
            c.Execute("INSERT OR IGNORE INTO device_tags (device, tag) VALUES ($id, $t)", tx, ("$id", deviceId), ("$t", tag));
        });
    }

    public bool RemoveTag(string deviceId, string tag) =>
        db.InTransaction((c, tx) => c.Execute("DELETE FROM device_tags WHERE device = $id AND tag = $t", tx, ("$id", deviceId), ("$t", tag)) > 0);

    private static DeviceIdentity Row(Microsoft.Data.Sqlite.SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2) != 0);

    // Letters, digits and a few marks: no '/', '+', '#' or '$', which would change the meaning of the device's topics.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex ValidId();

    public static bool IsValidId(string deviceId) => ValidId().IsMatch(deviceId);
}
