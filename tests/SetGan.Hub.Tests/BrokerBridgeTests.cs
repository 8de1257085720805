using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MQTTnet;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>
/// The 'mqtt' mode: devices and the bridge are clients of a real mosquitto; the same twin, method and
/// telemetry logic as the embedded hub answers on the Broker dialect's topics (devices/{id}/$iothub/...).
/// </summary>
public sealed class BrokerBridgeTests : IAsyncLifetime
{
    private Mosquitto broker = null!;
    private BrokerBridge bridge = null!;
    private readonly string dataDir = Directory.CreateTempSubdirectory("setgan-bridge-").FullName;
    private readonly CapturedLog log = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        broker = await Mosquitto.StartAsync("pi-01", "pi-99");
        bridge = await BrokerBridge.StartAsync(new BridgeOptions
        {
            DataDir = dataDir, Host = "localhost", Port = broker.Port, Username = Mosquitto.BridgeUser,
            Password = broker.Passwords[Mosquitto.BridgeUser], CaFile = broker.CaFile, MethodTimeout = TimeSpan.FromSeconds(5),
        }, log.Logger, Ct);
        bridge.Devices.Add("pi-01");
    }

    public async ValueTask DisposeAsync()
    {
        await bridge.DisposeAsync();
        await broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(dataDir, recursive: true);
        log.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ShouldBeEmpty("the bridge logged errors");
    }

    /// <summary>A device on the broker: user name = device id, TLS trusting the broker's CA.</summary>
    private Task<TestDevice> ConnectDeviceAsync(string deviceId)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(broker.CaFile);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", broker.Port)
            .WithClientId(deviceId)
            .WithCredentials(deviceId, broker.Passwords[deviceId])
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost").WithTrustChain([ca]))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        return TestDevice.ConnectAsync(options, deviceId, TopicDialect.Broker);
    }

    [Fact]
    public async Task A_device_on_the_broker_gets_its_twin_and_its_reported_patch_is_versioned()
    {
        await bridge.UpdateDesiredAsync("pi-01", new JsonObject { ["k"] = 2 }, Ct);
        await using var device = await ConnectDeviceAsync("pi-01");
        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.Success, broker.Output);
        await device.SubscribeAllAsync();

        var (get, body) = await device.RequestAsync(device.Topics.TwinGet("1"), "", "1");
        var (patch, _) = await device.RequestAsync(device.Topics.TwinPatchReported("2"), """{"activeK":2}""", "2");

        get.Status.ShouldBe(200);
        JsonNode.Parse(body)!["desired"]!["k"]!.GetValue<int>().ShouldBe(2);
        (patch.Status, patch.Version).ShouldBe((204, 2L));
        (await bridge.Twins.GetAsync("pi-01", Ct)).Reported["activeK"]!.GetValue<int>().ShouldBe(2);
        bridge.IsConnected("pi-01").ShouldBeTrue();
        log.Lines.ShouldNotContain(l => l.Contains("ignored")); // its own replies do not come back to the bridge (NoLocal)
    }

    [Fact]
    public async Task Telemetry_through_the_broker_is_stored_once_and_a_desired_update_and_a_method_reach_the_device()
    {
        await using var device = await ConnectDeviceAsync("pi-01");
        await device.SubscribeAllAsync();
        var batch = new PowerBatch("pi-01", "ina219", false, DateTimeOffset.UnixEpoch, 0, [new(0, 5, 0.5, 2.5), new(0.01, 5, 0.5, 2.5)]).Encode();

        await device.SendTelemetryAsync(batch, (MessageProperties.MessageId, "m-1"), (MessageProperties.Kind, MessageProperties.PowerKind));
        await device.SendTelemetryAsync(batch, (MessageProperties.MessageId, "m-1"), (MessageProperties.Kind, MessageProperties.PowerKind));
        await WaitUntil(() => bridge.Telemetry.MessageCount("pi-01") == 1);
        long version = await bridge.UpdateDesiredAsync("pi-01", new JsonObject { ["k"] = 1 }, Ct);
        var call = bridge.InvokeMethodAsync("pi-01", "ping", null, ct: Ct);

        var desired = await device.NextAsync(m => device.Topics.Parse(m.Topic)?.Kind == TopicKind.TwinDesired);
        device.Topics.Parse(desired.Topic)!.Version.ShouldBe(version);
        var request = await device.NextAsync(m => device.Topics.Parse(m.Topic)?.Kind == TopicKind.MethodRequest);
        await device.PublishAsync(device.Topics.MethodResponse(200, device.Topics.Parse(request.Topic)!.Rid!), "\"pong\"");
        (await call).Payload!.GetValue<string>().ShouldBe("pong");
        await Task.Delay(100, Ct); // let a duplicate, if it were to be stored, arrive
        bridge.Telemetry.PowerSampleCount("pi-01").ShouldBe(2);
    }

    [Fact]
    public async Task Messages_of_a_broker_user_that_is_not_a_registered_device_are_ignored()
    {
        await using var stranger = await ConnectDeviceAsync("pi-99");
        await stranger.SubscribeAllAsync();

        await stranger.PublishAsync(stranger.Topics.TwinGet("1"), "");

        (await stranger.AnythingWithinAsync(0.3)).ShouldBeNull();
        await log.WaitForAsync("pi-99", "not a registered");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++) await Task.Delay(20, Ct);
        condition().ShouldBeTrue();
    }
}
