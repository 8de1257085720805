using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>
/// A device played with a raw MQTTnet client over real TLS, pinning the hub's certificate by its SHA-256:
/// exactly what is on the wire, without the agent's code in between.
/// </summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly Channel<MqttApplicationMessage> inbox = Channel.CreateUnbounded<MqttApplicationMessage>();
    private readonly TaskCompletionSource disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestDevice(IMqttClient client, string deviceId, TopicDialect dialect)
    {
        Client = client;
        Topics = new IotHubTopics(deviceId, dialect);
        client.ApplicationMessageReceivedAsync += e => { inbox.Writer.TryWrite(e.ApplicationMessage); return Task.CompletedTask; };
        client.DisconnectedAsync += _ => { disconnected.TrySetResult(); return Task.CompletedTask; };
    }

    public IMqttClient Client { get; }
    public IotHubTopics Topics { get; }
    public MqttClientConnectResult? ConnectResult { get; private set; }

    /// <summary>Connects as IoT Hub wants it: client id = device id, user name with the API version, a SAS token as password.</summary>
    public static async Task<TestDevice> ConnectAsync(EmbeddedHub hub, string deviceId, string? key = null, DateTimeOffset? expiry = null,
        MqttProtocolVersion protocol = MqttProtocolVersion.V311, string host = "localhost", string? pin = null)
    {
        key ??= hub.Devices.Get(deviceId)?.PrimaryKey ?? Convert.ToBase64String(new byte[32]);
        string token = SasToken.Create(SasToken.Resource(host, deviceId), key, expiry ?? DateTimeOffset.UtcNow.AddHours(1));
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, hub.MqttPort) // as the agent does: HostName, not an address
            .WithClientId(deviceId)
            .WithCredentials($"{host}/{deviceId}/?api-version=2021-04-12", token)
            .WithProtocolVersion(protocol)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost(host).WithCertificateValidationHandler(e =>
                Convert.ToHexStringLower(SHA256.HashData(e.Certificate.GetRawCertData())) == (pin ?? hub.CertificateSha256)))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        return await ConnectAsync(options, deviceId, TopicDialect.IotHub);
    }

    public static async Task<TestDevice> ConnectAsync(MqttClientOptions options, string deviceId, TopicDialect dialect)
    {
        var device = new TestDevice(new MqttClientFactory().CreateMqttClient(), deviceId, dialect);
        device.ConnectResult = await device.Client.ConnectAsync(options, TestContext.Current.CancellationToken);
        return device;
    }

    /// <summary>What an agent subscribes to at start.</summary>
    public Task SubscribeAllAsync() => SubscribeAsync([.. Topics.DeviceSubscriptions]);

    public async Task<MqttClientSubscribeResult> SubscribeAsync(params string[] filters)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (string f in filters) builder.WithTopicFilter(f, MqttQualityOfServiceLevel.AtLeastOnce);
        return await Client.SubscribeAsync(builder.Build(), TestContext.Current.CancellationToken);
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string body) => PublishAsync(topic, Encoding.UTF8.GetBytes(body));

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] body) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(body)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);

    public Task<MqttClientPublishResult> SendTelemetryAsync(byte[] body, params (string Key, string Value)[] properties) =>
        PublishAsync(Topics.Telemetry(properties.Select(p => KeyValuePair.Create(p.Key, p.Value))), body);

    /// <summary>The next message received (optionally the next one that matches), or a failure after the timeout.</summary>
    public async Task<MqttApplicationMessage> NextAsync(Func<MqttApplicationMessage, bool>? match = null, double seconds = 5)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            while (true)
            {
                var message = await inbox.Reader.ReadAsync(timeout.Token);
                if (match is null || match(message)) return message;
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new ShouldAssertException($"device {Topics.DeviceId} received no{(match is null ? "" : " matching")} message in {seconds} s");
        }
    }

    /// <summary>Sends a twin request and waits for the response with its rid.</summary>
    public async Task<(TopicMessage Response, string Body)> RequestAsync(string topic, string body, string rid)
    {
        await PublishAsync(topic, body);
        var reply = await NextAsync(m => Topics.Parse(m.Topic) is { Kind: TopicKind.TwinResponse } r && r.Rid == rid);
        return (Topics.Parse(reply.Topic)!, reply.ConvertPayloadToString() ?? "");
    }

    /// <summary>Whether anything arrives within the time (for "B must not see A's messages").</summary>
    public async Task<MqttApplicationMessage?> AnythingWithinAsync(double seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try { return await inbox.Reader.ReadAsync(timeout.Token); }
        catch (OperationCanceledException) { return null; }
    }

    /// <summary>Completes when the hub (or the network) closed the connection.</summary>
    public Task Disconnected => disconnected.Task;

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try { await Client.DisconnectAsync(); }
            catch (MQTTnet.Exceptions.MqttCommunicationException) { }
        }
        Client.Dispose();
    }
}
