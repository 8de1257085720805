using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>The embedded hub's MQTT side: MQTTnet's server, with IoT Hub's connection and topic rules in its interceptors.</summary>
public sealed partial class EmbeddedHub
{
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
        server.ClientConnectedAsync += ClientConnected;
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

    private async Task ClientConnected(ClientConnectedEventArgs e)
    {
        // A device disabled or removed while its connection was being set up (checked, not yet in the server's list
        // of clients) was not there for Revoke to disconnect: it goes now. Seen under CI load: a revoked device
        // stayed connected.
        if (Devices.Get(e.ClientId) is not { Enabled: true })
        {
            log.Warning("Device {Device} was revoked while it connected; disconnecting it", e.ClientId);
            core.SetConnected(e.ClientId, false);
            await DropAsync(e.ClientId);
            return;
        }
        // Marked again after CONNACK: a late disconnect event of the device's previous connection may have cleared the mark.
        core.SetConnected(e.ClientId, true);
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
        // Synchronous on purpose: when Remove/SetEnabled returns, the device is gone.
        var drop = DropAsync(deviceId);
        if (!drop.Wait(TimeSpan.FromSeconds(5))) log.Warning("Disconnecting revoked device {Device} is taking long", deviceId);
        else if (drop.Result) log.Information("Device {Device} revoked and disconnected", deviceId);
    }

    /// <summary>Drops a device's connection as IoT Hub does (NotAuthorized); false when it was not connected.</summary>
    private async Task<bool> DropAsync(string deviceId)
    {
        if (server is null) return false;
        try
        {
            await server.DisconnectClientAsync(deviceId, MqttDisconnectReasonCode.NotAuthorized);
            return true;
        }
        catch (InvalidOperationException) { return false; } // MQTTnet: no client has that id (gone already, or never there)
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
        await DropAsync(deviceId);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Any, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
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
