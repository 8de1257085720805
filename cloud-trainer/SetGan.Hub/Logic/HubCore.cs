using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>
/// IoT Hub's device-facing logic, one copy for both transports: twins (GET, reported patches, desired
/// pushes), direct methods, cloud-to-device messages and telemetry. The transport authenticates the
/// device and hands over each publish with the device id it proved; this class decides what it means.
/// </summary>
internal sealed class HubCore
{
    private readonly DeviceRegistry devices;
    private readonly TwinStore twins;
    private readonly TelemetryStore telemetry;
    private readonly IHubTransport transport;
    private readonly DirectMethods methods;
    private readonly Serilog.ILogger log;
    private readonly ConcurrentDictionary<string, bool> connected = new();
    private readonly SemaphoreSlim desiredOrder = new(1, 1);

    public HubCore(DeviceRegistry devices, TwinStore twins, TelemetryStore telemetry, IHubTransport transport, TimeSpan methodTimeout, Serilog.ILogger log)
    {
        (this.devices, this.twins, this.telemetry, this.transport, this.log) = (devices, twins, telemetry, transport, log);
        methods = new DirectMethods(transport, IsConnected, methodTimeout, log);
    }

    public event Action<TelemetryEvent>? TelemetryReceived;
    public event Action<ImageRecord>? ImageReceived;
    public event Action<string, JsonObject>? ReportedChanged;
    public event Action<string, bool>? ConnectionChanged;

    public bool IsConnected(string deviceId) => connected.ContainsKey(deviceId);

    public void SetConnected(string deviceId, bool isConnected)
    {
        bool changed = isConnected ? connected.TryAdd(deviceId, true) : connected.TryRemove(deviceId, out _);
        if (!isConnected) methods.Disconnected(deviceId);
        if (changed) Raise(ConnectionChanged, h => h(deviceId, isConnected));
    }

    /// <summary>One publish from an authenticated device: handled before the transport acknowledges it.</summary>
    public async Task<PublishVerdict> HandleAsync(string deviceId, string topic, byte[] payload, CancellationToken ct)
    {
        var topics = new IotHubTopics(deviceId, transport.Dialect);
        var message = topics.Parse(topic);
        switch (message)
        {
            case { Kind: TopicKind.Telemetry, Properties: { } properties }:
                await TelemetryAsync(deviceId, properties, payload);
                return PublishVerdict.Handled;
            case { Kind: TopicKind.TwinGet, Rid: { } rid }:
                await SendJson(deviceId, topics.TwinResponse(200, rid), twins.Get(deviceId).ToDocument(), ct);
                return PublishVerdict.Handled;
            case { Kind: TopicKind.TwinPatchReported, Rid: { } rid }:
                await PatchReported(deviceId, topics, rid, payload, ct);
                return PublishVerdict.Handled;
            case { Kind: TopicKind.MethodResponse, Rid: { } rid, Status: { } status }:
                methods.Answer(deviceId, rid, status, payload);
                return PublishVerdict.Handled;
            default:
                return new PublishVerdict($"'{topic}' is not a topic device '{deviceId}' may publish to");
        }
    }

    private async Task TelemetryAsync(string deviceId, IReadOnlyDictionary<string, string> properties, byte[] body)
    {
        string? mid = properties.GetValueOrDefault(MessageProperties.MessageId);
        var outcome = await telemetry.AcceptAsync(deviceId, mid, properties, body);
        if (outcome.Duplicate)
        {
            log.Debug("Message {Mid} from {Device} was received before; dropped", mid, deviceId);
            return;
        }
        var received = new TelemetryEvent(deviceId, mid, properties.GetValueOrDefault(MessageProperties.Kind), properties, body);
        Raise(TelemetryReceived, h => h(received));
        if (outcome.Image is { } image) Raise(ImageReceived, h => h(image));
    }

    private async Task PatchReported(string deviceId, IotHubTopics topics, string rid, byte[] payload, CancellationToken ct)
    {
        JsonObject? patch;
        try { patch = JsonNode.Parse(payload) as JsonObject; }
        catch (JsonException) { patch = null; }
        if (patch is null)
        {
            log.Warning("Reported patch {Rid} from {Device} is not a JSON object; answered 400, nothing stored", rid, deviceId);
            await transport.SendAsync(deviceId, topics.TwinResponse(400, rid), [], ct);
            return;
        }
        var twin = twins.PatchReported(deviceId, patch);
        await transport.SendAsync(deviceId, topics.TwinResponse(204, rid, twin.ReportedVersion), [], ct);
        Raise(ReportedChanged, h => h(deviceId, Twin.WithVersion(twin.Reported, twin.ReportedVersion)));
    }

    public async Task<long> UpdateDesiredAsync(string deviceId, JsonObject patch, CancellationToken ct)
    {
        // One update at a time, pushed in version order: a device applies patches in the order they arrive.
        await desiredOrder.WaitAsync(ct);
        try
        {
            var twin = twins.PatchDesired(deviceId, patch);
            if (IsConnected(deviceId))
                await SendJson(deviceId, new IotHubTopics(deviceId, transport.Dialect).TwinDesired(twin.DesiredVersion), Twin.WithVersion(TwinStore.WithoutMetadata(patch), twin.DesiredVersion), ct);
            log.Information("Desired properties of {Device} now at version {Version}", deviceId, twin.DesiredVersion);
            return twin.DesiredVersion;
        }
        finally { desiredOrder.Release(); }
    }

    public Task<MethodResult> InvokeMethodAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout, CancellationToken ct) =>
        methods.InvokeAsync(deviceId, method, payload, timeout, ct);

    public async Task SendCloudToDeviceAsync(string deviceId, byte[] body, IReadOnlyDictionary<string, string> properties, CancellationToken ct)
    {
        if (devices.Get(deviceId) is null) throw new KeyNotFoundException($"device '{deviceId}' is not registered");
        if (!IsConnected(deviceId)) throw new DeviceNotConnectedException(deviceId);
        // IoT Hub adds a message id and the destination to every cloud-to-device message.
        var bag = new Dictionary<string, string>(properties, StringComparer.Ordinal);
        bag.TryAdd(MessageProperties.MessageId, Guid.NewGuid().ToString("N"));
        bag.TryAdd("$.to", $"/devices/{deviceId}/messages/devicebound");
        await transport.SendAsync(deviceId, new IotHubTopics(deviceId, transport.Dialect).CloudToDevice(bag), body, ct);
    }

    private Task SendJson(string deviceId, string topic, JsonNode body, CancellationToken ct) =>
        transport.SendAsync(deviceId, topic, Encoding.UTF8.GetBytes(body.ToJsonString()), ct);

    // A subscriber's bug must not break the device's session (the handler runs before its PUBACK).
    private void Raise<T>(T? handler, Action<T> call) where T : Delegate
    {
        if (handler is null) return;
        try { call(handler); }
        catch (Exception e) { log.Error(e, "A hub event handler failed"); }
    }
}
