using System.Buffers;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>
/// The hub on a plain MQTT broker ('mqtt' mode): devices and this bridge are both clients of e.g. mosquitto,
/// which authenticates them and confines each device to devices/{id}/# by ACL. The bridge serves the
/// Broker dialect of the same protocol (devices/{id}/$iothub/...) with the same logic as the embedded hub.
/// A broker cannot tell us who is connected, so a device counts as connected once it has been heard from.
/// </summary>
public sealed class BrokerBridge : IDeviceHub
{
    private readonly BridgeOptions options;
    private readonly Serilog.ILogger log;
    private readonly HubStores stores;
    private readonly HubCore core;
    private readonly IMqttClient client;
    private readonly MqttClientOptions clientOptions;
    private readonly CancellationTokenSource stopping = new();
    private int reconnecting;
    private PackageEndpoint? packages;

    private string PackagesFolder => Path.Combine(options.DataDir, "packages");

    /// <summary>The HTTPS port packages are served on (0 without <see cref="BridgeOptions.PackagesCertificate"/>).</summary>
    public int HttpsPort => packages?.Port ?? 0;

    public PackageReference PublishPackage(string packageFolder) => packages is null
        ? throw new InvalidOperationException("this bridge serves no packages: start it with BridgeOptions.PackagesCertificate")
        : PackagePublisher.Publish(PackagesFolder, $"https://{options.PackagesHostName}:{HttpsPort}", packageFolder, log);

    private static readonly string[] Filters = ["devices/+/messages/events/#", "devices/+/$iothub/#"];

    private BrokerBridge(BridgeOptions options, Serilog.ILogger log)
    {
        this.options = options;
        this.log = log;
        stores = new HubStores(options.DataDir, log);
        core = new HubCore(Devices, Twins, Telemetry, new Publisher(this), options.MethodTimeout, log);
        Devices.Revoked += id =>
        {
            core.SetConnected(id, false);
            log.Warning("Device {Device} revoked: the bridge ignores it from now on; remove it from the broker's password file too", id);
        };
        var validate = BrokerTls.Validator(options.CaFile);
        clientOptions = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId)
            .WithCredentials(options.Username, options.Password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            // A persistent session: the broker keeps devices' QoS 1 messages while the bridge is away.
            .WithCleanStart(false)
            .WithSessionExpiryInterval(7 * 24 * 3600)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost(options.Host).WithCertificateValidationHandler(e => validate(e.Certificate, e.Chain, e.SslPolicyErrors)))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        client = new MqttClientFactory(new MqttNetSerilog(log)).CreateMqttClient();
        client.ApplicationMessageReceivedAsync += Receive;
        client.DisconnectedAsync += e =>
        {
            if (!stopping.IsCancellationRequested) _ = ReconnectAsync(e.ReasonString ?? e.Exception?.Message);
            return Task.CompletedTask;
        };
    }

    public static async Task<BrokerBridge> StartAsync(BridgeOptions options, Serilog.ILogger log, CancellationToken ct = default)
    {
        var bridge = new BrokerBridge(options, log);
        try
        {
            await bridge.ConnectAsync(ct);
            log.Information("Bridge connected to {Host}:{Port} as {User}", options.Host, options.Port, options.Username);
            if (options.PackagesCertificate is { } certificate)
                bridge.packages = await PackageEndpoint.StartAsync(bridge.PackagesFolder, options.HttpsPort, certificate, log, ct);
            return bridge;
        }
        catch
        {
            await bridge.DisposeAsync();
            throw;
        }
    }

    public DeviceRegistry Devices => stores.Devices;
    public TwinStore Twins => stores.Twins;
    public TelemetryStore Telemetry => stores.Telemetry;

    public event Action<TelemetryEvent>? TelemetryReceived { add => core.TelemetryReceived += value; remove => core.TelemetryReceived -= value; }
    public event Action<ImageRecord>? ImageReceived { add => core.ImageReceived += value; remove => core.ImageReceived -= value; }
    public event Action<string, JsonObject>? ReportedChanged { add => core.ReportedChanged += value; remove => core.ReportedChanged -= value; }
    public event Action<string, bool>? ConnectionChanged { add => core.ConnectionChanged += value; remove => core.ConnectionChanged -= value; }

    /// <summary>Whether the device has been heard from since the bridge started (a plain broker tells no more).</summary>
    public bool IsConnected(string deviceId) => core.IsConnected(deviceId);

    public Task<long> UpdateDesiredAsync(string deviceId, JsonObject patch, CancellationToken ct = default) => core.UpdateDesiredAsync(deviceId, patch, ct);

    public Task<MethodResult> InvokeMethodAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout = null, CancellationToken ct = default) =>
        core.InvokeMethodAsync(deviceId, method, payload, timeout, ct);

    public Task SendCloudToDeviceAsync(string deviceId, byte[] body, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default) =>
        core.SendCloudToDeviceAsync(deviceId, body, properties, ct);

    private async Task ConnectAsync(CancellationToken ct)
    {
        var result = await client.ConnectAsync(clientOptions, ct);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"broker {options.Host}:{options.Port} refused the bridge: {result.ResultCode} {result.ReasonString}");
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        // NoLocal: the bridge's own replies on devices/{id}/$iothub/... must not come back to it.
        foreach (string filter in Filters) subscribe.WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(filter).WithAtLeastOnceQoS().WithNoLocal().Build());
        var granted = await client.SubscribeAsync(subscribe.Build(), ct);
        if (granted.Items.FirstOrDefault(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2) is { } refused)
            throw new InvalidOperationException($"broker refused the bridge's subscription to '{refused.TopicFilter.Topic}' ({refused.ResultCode}): give user '{options.Username}' readwrite on devices/#");
    }

    private async Task ReconnectAsync(string? reason)
    {
        if (Interlocked.Exchange(ref reconnecting, 1) == 1) return;
        try
        {
            log.Warning("Bridge lost the broker ({Reason}); reconnecting", reason);
            for (var delay = TimeSpan.FromSeconds(1); !stopping.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2)))
            {
                try
                {
                    await Task.Delay(delay, stopping.Token);
                    if (!client.IsConnected) await ConnectAsync(stopping.Token);
                    log.Information("Bridge reconnected to {Host}:{Port}", options.Host, options.Port);
                    return;
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e) { log.Warning("Bridge reconnection failed: {Reason}", e.Message); }
            }
        }
        finally { Interlocked.Exchange(ref reconnecting, 0); }
    }

    private async Task Receive(MqttApplicationMessageReceivedEventArgs e)
    {
        string topic = e.ApplicationMessage.Topic;
        string? deviceId = IotHubTopics.DeviceOf(topic);
        if (deviceId is null || Devices.Get(deviceId) is not { Enabled: true })
        {
            log.Warning("Message on {Topic} ignored: {Device} is not a registered, enabled device", topic, deviceId);
            return;
        }
        try
        {
            core.SetConnected(deviceId, true);
            var verdict = await core.HandleAsync(deviceId, topic, e.ApplicationMessage.Payload.ToArray(), stopping.Token);
            if (!verdict.Allowed) log.Warning("Message from {Device} ignored: {Reason}", deviceId, verdict.Refusal);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged; reconnecting makes the broker deliver it again.
            log.Error(ex, "Message from {Device} on {Topic} failed; not acknowledged", deviceId, topic);
            e.ProcessingFailed = true;
            _ = client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.UnspecifiedError).Build());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (client.IsConnected)
        {
            try { await client.DisconnectAsync(); }
            catch (MQTTnet.Exceptions.MqttCommunicationException) { }
        }
        client.Dispose();
        if (packages is not null) await packages.DisposeAsync();
        stores.Dispose();
        stopping.Dispose();
    }

    /// <summary>Publishes on the broker in the Broker dialect; the broker's ACL lets only that device read it.</summary>
    private sealed class Publisher(BrokerBridge bridge) : IHubTransport
    {
        public TopicDialect Dialect => TopicDialect.Broker;

        public Task SendAsync(string deviceId, string topic, byte[] payload, CancellationToken ct) =>
            bridge.client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
    }
}
