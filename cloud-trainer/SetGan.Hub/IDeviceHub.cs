using System.Text.Json.Nodes;

namespace SetGan.Hub;

/// <summary>A direct method's answer: the status the device chose and its JSON payload.</summary>
public sealed record MethodResult(int Status, JsonNode? Payload);

/// <summary>The device is not connected, so a method call (or cloud-to-device message) cannot reach it now.</summary>
public sealed class DeviceNotConnectedException(string deviceId)
    : Exception($"device '{deviceId}' is not connected")
{
    public string DeviceId { get; } = deviceId;
}

/// <summary>
/// The cloud's side of IoT Hub's device protocol, whichever transport carries it: the embedded hub
/// (devices connect to us) or the bridge on a plain MQTT broker (we connect beside them).
/// </summary>
public interface IDeviceHub : IAsyncDisposable
{
    DeviceRegistry Devices { get; }
    TwinStore Twins { get; }
    TelemetryStore Telemetry { get; }
    bool IsConnected(string deviceId);

    /// <summary>Merges <paramref name="patch"/> into the desired properties, bumps their version, pushes the patch to the device if connected.</summary>
    Task<long> UpdateDesiredAsync(string deviceId, JsonObject patch, CancellationToken ct = default);

    /// <summary>Calls a direct method; throws <see cref="DeviceNotConnectedException"/> or <see cref="TimeoutException"/>.</summary>
    Task<MethodResult> InvokeMethodAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout = null, CancellationToken ct = default);

    /// <summary>Makes a signed package folder downloadable by devices; the reference goes into their desired properties.</summary>
    SetGan.Core.Link.PackageReference PublishPackage(string packageFolder);

    Task SendCloudToDeviceAsync(string deviceId, byte[] body, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default);

    event Action<TelemetryEvent>? TelemetryReceived;
    event Action<ImageRecord>? ImageReceived;
    event Action<string, JsonObject>? ReportedChanged;
    event Action<string, bool>? ConnectionChanged;
}
