namespace SetGan.Core.Link;

/// <summary>
/// A device connection string, IoT Hub's format (HostName=...;DeviceId=...;SharedAccessKey=...;
/// GatewayHostName=...) with our optional additions for hubs that are not Azure's:
/// Port (default 8883), CertificateSha256 (pin the embedded hub's self-signed certificate),
/// CaFile (trust a private CA, e.g. mosquitto's), Username/Password (a plain MQTT broker), and
/// GroupKey (group enrollment: the device derives its own key, <see cref="GroupEnrollment"/>).
/// A GroupKey string may leave DeviceId out: one string then serves a whole group (an IoT Edge deployment,
/// a board image), and each device parses it with its own id.
/// </summary>
public sealed record DeviceConnectionString
{
    public required string HostName { get; init; }
    /// <summary>The device id; empty only in a group's string that is not yet a device's (see <see cref="Parse"/>).</summary>
    public required string DeviceId { get; init; }
    public string? SharedAccessKey { get; init; }
    public string? GatewayHostName { get; init; }
    public int Port { get; init; } = 8883;
    public string? CertificateSha256 { get; init; }
    public string? CaFile { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? GroupKey { get; init; }

    /// <summary>The key SAS tokens are signed with: the device's own, or the one derived from the group key and the device id.</summary>
    public string? DeviceKey => SharedAccessKey ?? (GroupKey is { } g && DeviceId.Length > 0 ? GroupEnrollment.DeviceKey(g, DeviceId) : null);

    /// <summary>Where to open the socket: the gateway when there is one, else the hub.</summary>
    public string ConnectHost => GatewayHostName ?? HostName;

    /// <param name="deviceId">This device's id, for a GroupKey string without DeviceId; a string with a DeviceId keeps its own.</param>
    public static DeviceConnectionString Parse(string text, string? deviceId = null)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"connection string part '{part}' is not Name=Value");
            fields[part[..eq]] = part[(eq + 1)..]; // keys end in '=' padding: split at the first '=' only
        }
        string Need(string name) => fields.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new FormatException($"connection string has no {name}");
        string? Maybe(string name) => fields.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        var result = new DeviceConnectionString
        {
            HostName = Need("HostName"),
            DeviceId = Maybe("DeviceId") ?? GroupDeviceId(fields, deviceId),
            SharedAccessKey = Maybe("SharedAccessKey"),
            GatewayHostName = Maybe("GatewayHostName"),
            Port = Maybe("Port") is { } p ? int.TryParse(p, out int port) && port is > 0 and < 65536 ? port : throw new FormatException($"connection string Port '{p}' is not a port number") : 8883,
            CertificateSha256 = Maybe("CertificateSha256"),
            CaFile = Maybe("CaFile"),
            Username = Maybe("Username"),
            Password = Maybe("Password"),
            GroupKey = Maybe("GroupKey"),
        };
        if (result.SharedAccessKey is null && result.Password is null && result.GroupKey is null)
            throw new FormatException("connection string has neither SharedAccessKey (IoT Hub), GroupKey (group enrollment) nor Password (plain MQTT broker)");
        foreach (var (name, key) in new[] { ("SharedAccessKey", result.SharedAccessKey), ("GroupKey", result.GroupKey) })
        {
            if (key is null) continue;
            try { Convert.FromBase64String(key); }
            catch (FormatException) { throw new FormatException($"connection string {name} is not Base64"); }
        }
        return result;
    }

    // Only a group key can sign for a device that the string does not name: a SharedAccessKey or a broker password belongs to one device.
    private static string GroupDeviceId(Dictionary<string, string> fields, string? deviceId)
    {
        if (!fields.TryGetValue("GroupKey", out var g) || g.Length == 0) throw new FormatException("connection string has no DeviceId");
        return string.IsNullOrWhiteSpace(deviceId)
            ? throw new FormatException("connection string has no DeviceId, and this device's id is not known to derive its key from the GroupKey")
            : deviceId;
    }

    public override string ToString()
    {
        var parts = new List<string> { $"HostName={HostName}" };
        if (DeviceId.Length > 0) parts.Add($"DeviceId={DeviceId}");
        if (SharedAccessKey is not null) parts.Add($"SharedAccessKey={SharedAccessKey}");
        if (GatewayHostName is not null) parts.Add($"GatewayHostName={GatewayHostName}");
        if (Port != 8883) parts.Add($"Port={Port}");
        if (CertificateSha256 is not null) parts.Add($"CertificateSha256={CertificateSha256}");
        if (CaFile is not null) parts.Add($"CaFile={CaFile}");
        if (Username is not null) parts.Add($"Username={Username}");
        if (Password is not null) parts.Add($"Password={Password}");
        if (GroupKey is not null) parts.Add($"GroupKey={GroupKey}");
        return string.Join(';', parts);
    }
}
