using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Hub;

/// <summary>
/// An IoT Hub of our own: devices connect with the same code, topics and SAS tokens they use with
/// Azure's. MQTT over TLS (3.1.1 and 5) on one port, package downloads over HTTPS on another, both
/// with one self-signed certificate whose SHA-256 devices pin.
/// </summary>
public sealed class EmbeddedHub : IDeviceHub
{
    private readonly HubOptions options;
    private readonly Serilog.ILogger log;
    private readonly HubStores stores;
    private readonly X509Certificate2 certificate;
    private readonly HubCore core;
    private readonly DeviceAccess access;
    private readonly ConcurrentDictionary<string, long> connections = new();
    private readonly CancellationTokenSource stopping = new();
    private long lastConnection;
    private MqttServer? server;
    private PackageEndpoint? packages;

    private EmbeddedHub(HubOptions options, Serilog.ILogger log)
    {
        this.options = options;
        this.log = log;
        stores = new HubStores(options.DataDir, log);
        certificate = HubCertificate.LoadOrCreate(options.DataDir, options.HostName, log);
        CertificateSha256 = HubCertificate.Fingerprint(certificate);
        core = new HubCore(Devices, Twins, Telemetry, new Injector(this), options.MethodTimeout, log);
        access = new DeviceAccess(Devices, options.HostName, options.Time);
        Devices.Revoked += Revoke;
    }

    public static async Task<EmbeddedHub> StartAsync(HubOptions options, Serilog.ILogger log, CancellationToken ct = default)
    {
        var hub = new EmbeddedHub(options, log);
        try
        {
            await hub.StartMqttAsync();
            hub.packages = await PackageEndpoint.StartAsync(hub.PackagesFolder, options.HttpsPort, hub.certificate, log, ct);
            log.Information("Hub {HostName} listening: MQTT/TLS on {MqttPort}, HTTPS on {HttpsPort}, certificate SHA-256 {Fingerprint}",
                options.HostName, hub.MqttPort, hub.HttpsPort, hub.CertificateSha256);
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    public int MqttPort { get; private set; }
    public int HttpsPort => packages?.Port ?? 0;
    public string CertificateSha256 { get; }
    public DeviceRegistry Devices => stores.Devices;
    public TwinStore Twins => stores.Twins;
    public TelemetryStore Telemetry => stores.Telemetry;
    private string PackagesFolder => Path.Combine(options.DataDir, "packages");

    public event Action<TelemetryEvent>? TelemetryReceived { add => core.TelemetryReceived += value; remove => core.TelemetryReceived -= value; }
    public event Action<ImageRecord>? ImageReceived { add => core.ImageReceived += value; remove => core.ImageReceived -= value; }
    public event Action<string, JsonObject>? ReportedChanged { add => core.ReportedChanged += value; remove => core.ReportedChanged -= value; }
    public event Action<string, bool>? ConnectionChanged { add => core.ConnectionChanged += value; remove => core.ConnectionChanged -= value; }

    public bool IsConnected(string deviceId) => core.IsConnected(deviceId);

    /// <summary>What a device needs to reach this hub: its key, the port, and the certificate fingerprint to pin.</summary>
    public string ConnectionString(string deviceId)
    {
        var device = Devices.Get(deviceId) ?? throw new KeyNotFoundException($"device '{deviceId}' is not registered");
        return new DeviceConnectionString
        {
            HostName = options.HostName, DeviceId = deviceId, SharedAccessKey = device.PrimaryKey, Port = MqttPort, CertificateSha256 = CertificateSha256,
        }.ToString();
    }

    public Task<long> UpdateDesiredAsync(string deviceId, JsonObject patch, CancellationToken ct = default) => core.UpdateDesiredAsync(deviceId, patch, ct);

    public Task<MethodResult> InvokeMethodAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout = null, CancellationToken ct = default) =>
        core.InvokeMethodAsync(deviceId, method, payload, timeout, ct);

    public Task SendCloudToDeviceAsync(string deviceId, byte[] body, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default) =>
        core.SendCloudToDeviceAsync(deviceId, body, properties, ct);

    /// <summary>
    /// Packs a package folder into DataDir/packages/{sha256}.tar and says where devices fetch it. The
    /// signature is the package's manifest.sig in Base64, the string the agent compares with that file.
    /// </summary>
    public PackageReference PublishPackage(string packageFolder)
    {
        string signatureFile = Path.Combine(packageFolder, PackageWriter.SignatureFile);
        if (!File.Exists(signatureFile)) throw new FileNotFoundException($"'{packageFolder}' has no {PackageWriter.SignatureFile}: is it a signed package?", signatureFile);
        Directory.CreateDirectory(PackagesFolder);
        string temp = Path.Combine(PackagesFolder, $"publishing-{Guid.NewGuid():N}.tar");
        string sha = PackageArchive.Create(packageFolder, temp);
        File.Move(temp, Path.Combine(PackagesFolder, sha + ".tar"), overwrite: true);
        var reference = new PackageReference($"https://{options.HostName}:{HttpsPort}/packages/{sha}.tar", sha, Convert.ToBase64String(File.ReadAllBytes(signatureFile)));
        log.Information("Published package {Folder} as {Url}", packageFolder, reference.Url);
        return reference;
    }

    private async Task StartMqttAsync()
    {
        MqttPort = options.MqttPort != 0 ? options.MqttPort : FreePort();
        var factory = new MqttServerFactory(new MqttNetSerilog(log));
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithoutDefaultEndpoint() // TLS only, as IoT Hub
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(MqttPort)
            .WithEncryptionCertificate(certificate)
            .Build();
        server = factory.CreateMqttServer(serverOptions);
        server.ValidatingConnectionAsync += ValidateConnection;
        server.InterceptingPublishAsync += InterceptPublish;
        server.InterceptingSubscriptionAsync += InterceptSubscription;
        server.InterceptingClientEnqueueAsync += InterceptEnqueue;
        // Again after CONNACK: a late disconnect event of the device's previous connection may have cleared the mark.
        server.ClientConnectedAsync += e => { core.SetConnected(e.ClientId, true); return Task.CompletedTask; };
        server.ClientDisconnectedAsync += ClientDisconnected;
        await server.StartAsync();
    }

    private Task ValidateConnection(ValidatingConnectionEventArgs e)
    {
        var (refusal, reason) = access.Check(e.ClientId, e.UserName, e.Password);
        if (refusal == DeviceAccess.Refusal.None)
        {
            log.Information("Device {Device} connected from {Endpoint} (MQTT {Protocol})", e.ClientId, e.RemoteEndPoint, e.ProtocolVersion);
            // Marked now, not at ClientConnectedAsync: that event fires after CONNACK, when the device may already be acting.
            core.SetConnected(e.ClientId, true);
            long connection = Interlocked.Increment(ref lastConnection);
            connections[e.ClientId] = connection;
            if (SasToken.Expiry(e.Password) is { } expiry) _ = DisconnectAtExpiryAsync(e.ClientId, connection, expiry);
            return Task.CompletedTask;
        }
        e.ReasonCode = refusal == DeviceAccess.Refusal.UnknownDevice ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword;
        log.Warning("Connection as {Device} from {Endpoint} refused: {Reason}", e.ClientId, e.RemoteEndPoint, reason);
        return Task.CompletedTask;
    }

    private async Task InterceptPublish(InterceptingPublishEventArgs e)
    {
        // The hub's own messages (replies, desired patches, method requests, C2D): route them (InterceptEnqueue picks the one receiver).
        if (e.ClientId.StartsWith(DeviceAccess.HubSenderPrefix, StringComparison.Ordinal)) return;
        // Nothing a device sends is routed to another client; the hub handles it and acknowledges.
        e.ProcessPublish = false;
        try
        {
            var verdict = await core.HandleAsync(e.ClientId, e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.CancellationToken);
            if (verdict.Allowed) return;
            log.Warning("Device {Device} disconnected: {Reason}", e.ClientId, verdict.Refusal);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged: the device keeps the message and sends it again after reconnecting.
            log.Error(ex, "Publish from {Device} on {Topic} failed; dropping the connection without acknowledging it", e.ClientId, e.ApplicationMessage.Topic);
        }
        e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        e.CloseConnection = true;
    }

    private Task InterceptSubscription(InterceptingSubscriptionEventArgs e)
    {
        if (DeviceAccess.MaySubscribe(e.ClientId, e.TopicFilter.Topic)) return Task.CompletedTask;
        log.Warning("Device {Device} disconnected: it may not subscribe to '{Filter}'", e.ClientId, e.TopicFilter.Topic);
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.ProcessSubscription = false;
        e.CloseConnection = true;
        return Task.CompletedTask;
    }

    // Every device subscribes to the same '$iothub/...' filters, so the broker would copy a reply to all
    // of them: only the device the hub addressed (named in the sender id) may receive it.
    private Task InterceptEnqueue(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        e.AcceptEnqueue = e.SenderClientId == DeviceAccess.SenderFor(e.ReceiverClientId);
        return Task.CompletedTask;
    }

    private async Task ClientDisconnected(ClientDisconnectedEventArgs e)
    {
        if (e.DisconnectType == MqttClientDisconnectType.Takeover) return; // the same device, connected again
        // A reconnection can overtake this event; the server's list of clients says who is really there.
        if (await StillConnected(e.ClientId)) return;
        log.Information("Device {Device} disconnected ({Type})", e.ClientId, e.DisconnectType);
        core.SetConnected(e.ClientId, false);
    }

    private async Task<bool> StillConnected(string deviceId)
    {
        try { return server is { IsStarted: true } && (await server.GetClientsAsync()).Any(c => c.Id == deviceId); }
        catch (InvalidOperationException) { return false; } // the server is stopping: nobody is connected
    }

    private void Revoke(string deviceId)
    {
        core.SetConnected(deviceId, false);
        if (server is null) return;
        try
        {
            // Synchronous on purpose: when Remove/SetEnabled returns, the device is gone.
            if (!server.DisconnectClientAsync(deviceId, MqttDisconnectReasonCode.NotAuthorized).Wait(TimeSpan.FromSeconds(5)))
                log.Warning("Disconnecting revoked device {Device} is taking long", deviceId);
            else log.Information("Device {Device} revoked and disconnected", deviceId);
        }
        // MQTTnet throws (synchronously) when no client has that id: it was not connected.
        catch (Exception e) when (e is InvalidOperationException || e.InnerException is InvalidOperationException) { }
    }

    /// <summary>IoT Hub drops a connection when its SAS token expires; the device must reconnect with a fresh one.</summary>
    private async Task DisconnectAtExpiryAsync(string deviceId, long connection, DateTimeOffset expiry)
    {
        try
        {
            // In steps of at most a day: Task.Delay cannot wait for a token that lives for years.
            for (var left = expiry - options.Time.GetUtcNow(); left > TimeSpan.Zero; left = expiry - options.Time.GetUtcNow())
                await Task.Delay(left < TimeSpan.FromDays(1) ? left : TimeSpan.FromDays(1), options.Time, stopping.Token);
        }
        catch (OperationCanceledException) { return; }
        if (server is null || !connections.TryGetValue(deviceId, out long current) || current != connection) return; // a newer connection has its own token
        log.Information("SAS token of {Device} expired at {Expiry:O}; disconnecting it", deviceId, expiry);
        try { await server.DisconnectClientAsync(deviceId, MqttDisconnectReasonCode.NotAuthorized); }
        catch (InvalidOperationException) { } // gone already
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Any, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Devices.Revoked -= Revoke;
        await stopping.CancelAsync();
        if (server is not null)
        {
            await server.StopAsync();
            server.Dispose();
        }
        if (packages is not null) await packages.DisposeAsync();
        stores.Dispose();
        certificate.Dispose();
        stopping.Dispose();
    }

    /// <summary>Delivers a hub message to one device through the broker, marked as the hub's for that device.</summary>
    private sealed class Injector(EmbeddedHub hub) : IHubTransport
    {
        public TopicDialect Dialect => TopicDialect.IotHub;

        public Task SendAsync(string deviceId, string topic, byte[] payload, CancellationToken ct)
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            return hub.server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = DeviceAccess.SenderFor(deviceId) }, ct);
        }
    }
}
