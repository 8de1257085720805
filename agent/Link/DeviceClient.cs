using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SetGan.Core.Link;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>A direct method call: its name and JSON payload; the handler answers with a status and a payload.</summary>
public delegate Task<(int Status, JsonNode? Payload)> MethodHandler(string method, JsonNode? payload, CancellationToken ct);

/// <summary>The hub refused the connection or a request: the message says which and why.</summary>
public sealed class LinkException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// IoT Hub's MQTT device protocol on MQTTnet (ENVIRONMENT.md): TLS, a SAS token as the password,
/// QoS 1 telemetry with a property bag, twin GET and reported PATCH correlated by $rid, desired
/// patches, direct methods and cloud-to-device messages. One connection; the caller reconnects.
/// </summary>
public sealed class DeviceClient : IAsyncDisposable
{
    private const string ApiVersion = "2021-04-12";
    private readonly IMqttClient mqtt;
    private readonly DeviceConnectionString connection;
    private readonly string mode;
    private readonly ILogger log;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(int Status, long? Version, byte[] Body)>> pending = new();
    private long nextRid;

    public DeviceClient(DeviceConnectionString connection, string mode, ILogger log)
    {
        this.connection = connection;
        this.mode = mode;
        this.log = log;
        Topics = new IotHubTopics(connection.DeviceId, mode == LinkModes.Mqtt ? TopicDialect.Broker : TopicDialect.IotHub);
        mqtt = new MqttClientFactory().CreateMqttClient();
        mqtt.ApplicationMessageReceivedAsync += OnMessage;
        mqtt.DisconnectedAsync += e =>
        {
            foreach (var (rid, waiter) in pending) if (pending.TryRemove(rid, out _)) waiter.TrySetException(new LinkException("the connection closed before the hub answered"));
            Disconnected?.Invoke(e.Reason.ToString());
            return Task.CompletedTask;
        };
    }

    public IotHubTopics Topics { get; }
    public bool IsConnected => mqtt.IsConnected;

    /// <summary>When the current SAS token expires (the link reconnects before then); null without a token.</summary>
    public DateTimeOffset? TokenExpiry { get; private set; }

    public event Action<JsonObject, long>? DesiredChanged;
    public event Action<IReadOnlyDictionary<string, string>, byte[]>? CloudToDevice;
    public event Action<string>? Disconnected;
    public MethodHandler? Methods { get; set; }

    public async Task ConnectAsync(TimeSpan tokenLifetime, CancellationToken ct)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(connection.ConnectHost, connection.Port)
            .WithClientId(connection.DeviceId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(15))
            .WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e => ServerTrust.Accepts(connection, e.Certificate, e.SslPolicyErrors)));
        if (connection.DeviceKey is { } key && mode != LinkModes.Mqtt)
        {
            var expiry = DateTimeOffset.UtcNow + tokenLifetime;
            builder.WithCredentials($"{connection.HostName}/{connection.DeviceId}/?api-version={ApiVersion}",
                SasToken.Create(SasToken.Resource(connection.HostName, connection.DeviceId), key, expiry));
            TokenExpiry = expiry;
        }
        else builder.WithCredentials(connection.Username ?? connection.DeviceId, connection.Password ?? "");

        MqttClientConnectResult result;
        try { result = await mqtt.ConnectAsync(builder.Build(), ct); }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException)
        {
            throw new LinkException($"cannot connect to {connection.ConnectHost}:{connection.Port} as {connection.DeviceId}: {e.Message}", e);
        }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new LinkException($"the hub refused {connection.DeviceId}: {result.ResultCode} {result.ReasonString}");
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (string topic in Topics.DeviceSubscriptions) subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var subscribed = await mqtt.SubscribeAsync(subscribe.Build(), ct);
        if (subscribed.Items.FirstOrDefault(i => (int)i.ResultCode > 2) is { } refused)
            throw new LinkException($"the hub refused the subscription to {refused.TopicFilter.Topic}: {refused.ResultCode}");
    }

    /// <summary>Sends one telemetry message at QoS 1 and returns once the hub has acknowledged it.</summary>
    public async Task SendTelemetryAsync(IEnumerable<KeyValuePair<string, string>> properties, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Telemetry(properties))
            .WithPayload(new ReadOnlySequence<byte>(body))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await mqtt.PublishAsync(message, ct);
        if (!result.IsSuccess) throw new LinkException($"the hub did not accept telemetry: {result.ReasonCode} {result.ReasonString}");
    }

    /// <summary>The whole twin: desired and reported documents with their $version.</summary>
    public async Task<(JsonObject Desired, JsonObject Reported)> GetTwinAsync(CancellationToken ct)
    {
        var (status, _, body) = await RequestAsync(Topics.TwinGet, ReadOnlyMemory<byte>.Empty, ct);
        if (status != 200) throw new LinkException($"twin GET answered {status}: {System.Text.Encoding.UTF8.GetString(body)}");
        var twin = JsonNode.Parse(body) as JsonObject ?? throw new LinkException("twin GET answered with something that is not a JSON object");
        return (twin["desired"] as JsonObject ?? [], twin["reported"] as JsonObject ?? []);
    }

    /// <summary>Merges a patch into the reported properties; returns the twin's new reported version.</summary>
    public async Task<long?> PatchReportedAsync(JsonObject patch, CancellationToken ct)
    {
        var (status, version, body) = await RequestAsync(Topics.TwinPatchReported, System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString()), ct);
        if (status is < 200 or >= 300) throw new LinkException($"reported PATCH answered {status}: {System.Text.Encoding.UTF8.GetString(body)}");
        return version;
    }

    private async Task<(int Status, long? Version, byte[] Body)> RequestAsync(Func<string, string> topic, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        string rid = Interlocked.Increment(ref nextRid).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<(int, long?, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[rid] = answer;
        try
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic(rid)).WithPayload(new ReadOnlySequence<byte>(body))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            return await answer.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
        catch (TimeoutException) { throw new LinkException($"the hub did not answer request {rid} within 30 s"); }
        finally { pending.TryRemove(rid, out _); }
    }

    private Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        byte[] body = message.Payload.ToArray();
        var parsed = Topics.Parse(message.Topic);
        switch (parsed?.Kind)
        {
            case TopicKind.TwinResponse when pending.TryRemove(parsed.Rid!, out var waiter):
                waiter.TrySetResult((parsed.Status!.Value, parsed.Version, body));
                break;
            case TopicKind.TwinDesired:
                if (JsonNode.Parse(body.Length == 0 ? "{}"u8 : body) is JsonObject patch)
                    DesiredChanged?.Invoke(patch, parsed.Version ?? patch[TwinProperties.Version]?.GetValue<long>() ?? 0);
                else log.Warning("Desired patch {Topic} is not a JSON object; ignored", message.Topic);
                break;
            case TopicKind.MethodRequest:
                // Off the receive loop: a handler that itself talks to the hub (a twin PATCH) needs the loop to read the answer.
                _ = Task.Run(() => AnswerMethodAsync(parsed.Method!, parsed.Rid!, body));
                break;
            case TopicKind.CloudToDevice:
                CloudToDevice?.Invoke(parsed.Properties!, body);
                break;
            default:
                log.Debug("Message on {Topic} is none of ours; ignored", message.Topic);
                break;
        }
        return Task.CompletedTask;
    }

    private async Task AnswerMethodAsync(string method, string rid, byte[] body)
    {
        int status;
        JsonNode? answer;
        try
        {
            JsonNode? payload = body.Length == 0 ? null : JsonNode.Parse(body);
            (status, answer) = Methods is { } handler ? await handler(method, payload, CancellationToken.None) : (501, new JsonObject { ["error"] = "no methods" });
        }
        catch (JsonException ex) { (status, answer) = (400, new JsonObject { ["error"] = $"payload is not JSON: {ex.Message}" }); }
        catch (Exception ex) { (status, answer) = (500, new JsonObject { ["error"] = ex.Message }); log.Error(ex, "Method {Method} failed", method); }
        byte[] response = System.Text.Encoding.UTF8.GetBytes(answer?.ToJsonString() ?? "null");
        try
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.MethodResponse(status, rid)).WithPayload(response)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or OperationCanceledException)
        {
            log.Warning("The answer to method {Method} ({Status}) was lost with the connection: {Reason}", method, status, e.Message);
        }
    }

    public async Task DisconnectAsync()
    {
        if (mqtt.IsConnected) await mqtt.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
    }

    public async ValueTask DisposeAsync()
    {
        try { await DisconnectAsync(); } catch (Exception e) when (e is not OutOfMemoryException) { }
        mqtt.Dispose();
    }
}
