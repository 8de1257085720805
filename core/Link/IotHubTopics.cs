using System.Globalization;

namespace SetGan.Core.Link;

/// <summary>How device-scoped '$iothub/...' topics are named on the wire.</summary>
public enum TopicDialect
{
    /// <summary>Azure IoT Hub and our embedded hub: '$iothub/twin/...' is implicitly the connected device's.</summary>
    IotHub,
    /// <summary>A plain MQTT broker cannot scope by connection, so '$iothub/...' becomes 'devices/{id}/$iothub/...'
    /// (one ACL pattern, devices/%u/#, then confines each device to its own topics).</summary>
    Broker,
}

/// <summary>
/// Every topic of IoT Hub's MQTT device protocol, in one place: the device builds with it and the hub
/// (embedded, or the bridge on a plain broker) parses with it. Names follow Azure's "Communicate with
/// an IoT hub using the MQTT protocol".
/// </summary>
public sealed class IotHubTopics(string deviceId, TopicDialect dialect = TopicDialect.IotHub)
{
    public string DeviceId { get; } = deviceId;
    public TopicDialect Dialect { get; } = dialect;
    private string Hub => Dialect == TopicDialect.IotHub ? "$iothub" : $"devices/{DeviceId}/$iothub";

    // device -> cloud
    public string Telemetry(IEnumerable<KeyValuePair<string, string>> properties) => $"devices/{DeviceId}/messages/events/{PropertyBag.Encode(properties)}";
    public string TwinGet(string rid) => $"{Hub}/twin/GET/?$rid={rid}";
    public string TwinPatchReported(string rid) => $"{Hub}/twin/PATCH/properties/reported/?$rid={rid}";
    public string MethodResponse(int status, string rid) => $"{Hub}/methods/res/{status.ToString(CultureInfo.InvariantCulture)}/?$rid={rid}";

    // cloud -> device
    public string TwinResponse(int status, string rid, long? version = null) =>
        $"{Hub}/twin/res/{status.ToString(CultureInfo.InvariantCulture)}/?$rid={rid}" + (version is { } v ? $"&$version={v.ToString(CultureInfo.InvariantCulture)}" : "");
    public string TwinDesired(long version) => $"{Hub}/twin/PATCH/properties/desired/?$version={version.ToString(CultureInfo.InvariantCulture)}";
    public string MethodRequest(string name, string rid) => $"{Hub}/methods/POST/{name}/?$rid={rid}";
    public string CloudToDevice(IEnumerable<KeyValuePair<string, string>> properties) => $"devices/{DeviceId}/messages/devicebound/{PropertyBag.Encode(properties)}";

    /// <summary>What a device subscribes to.</summary>
    public IReadOnlyList<string> DeviceSubscriptions =>
    [
        $"devices/{DeviceId}/messages/devicebound/#",
        $"{Hub}/twin/res/#",
        $"{Hub}/twin/PATCH/properties/desired/#",
        $"{Hub}/methods/POST/#",
    ];

    /// <summary>Parses a topic the device sent (hub side), or received (device side); null when it is none of ours.</summary>
    public TopicMessage? Parse(string topic)
    {
        string telemetry = $"devices/{DeviceId}/messages/events/", c2d = $"devices/{DeviceId}/messages/devicebound/";
        if (topic.StartsWith(telemetry, StringComparison.Ordinal)) return new(TopicKind.Telemetry, Properties: PropertyBag.Decode(topic[telemetry.Length..]));
        if (topic == telemetry.TrimEnd('/')) return new(TopicKind.Telemetry, Properties: new Dictionary<string, string>());
        if (topic.StartsWith(c2d, StringComparison.Ordinal)) return new(TopicKind.CloudToDevice, Properties: PropertyBag.Decode(topic[c2d.Length..]));
        string hub = Hub + "/";
        if (!topic.StartsWith(hub, StringComparison.Ordinal)) return null;
        string rest = topic[hub.Length..];
        int q = rest.IndexOf("/?", StringComparison.Ordinal);
        string path = q < 0 ? rest : rest[..q];
        var query = q < 0 ? new Dictionary<string, string>() : PropertyBag.Decode(rest[(q + 2)..]);
        string? rid = query.GetValueOrDefault("$rid");
        long? version = query.TryGetValue("$version", out var vText) && long.TryParse(vText, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;
        string[] parts = path.Split('/');
        return parts switch
        {
            ["twin", "GET"] when rid is not null => new(TopicKind.TwinGet, Rid: rid),
            ["twin", "PATCH", "properties", "reported"] when rid is not null => new(TopicKind.TwinPatchReported, Rid: rid),
            ["twin", "PATCH", "properties", "desired"] => new(TopicKind.TwinDesired, Version: version),
            ["twin", "res", var status] when rid is not null && int.TryParse(status, out int s) => new(TopicKind.TwinResponse, Rid: rid, Status: s, Version: version),
            ["methods", "POST", var name] when rid is not null && name.Length > 0 => new(TopicKind.MethodRequest, Rid: rid, Method: name),
            ["methods", "res", var status] when rid is not null && int.TryParse(status, out int s) => new(TopicKind.MethodResponse, Rid: rid, Status: s),
            _ => null,
        };
    }

    /// <summary>The device a Broker-dialect topic belongs to (devices/{id}/...), for a bridge that serves many devices.</summary>
    public static string? DeviceOf(string topic)
    {
        const string prefix = "devices/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int slash = topic.IndexOf('/', prefix.Length);
        return slash < 0 ? null : topic[prefix.Length..slash];
    }
}

public enum TopicKind { Telemetry, CloudToDevice, TwinGet, TwinPatchReported, TwinDesired, TwinResponse, MethodRequest, MethodResponse }

/// <summary>A parsed topic: its kind and whichever of request id, status, version, method name and properties it carries.</summary>
public sealed record TopicMessage(TopicKind Kind, string? Rid = null, int? Status = null, long? Version = null, string? Method = null, IReadOnlyDictionary<string, string>? Properties = null);
