using System.Text.Json.Nodes;
using MQTTnet;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>Each device reaches only its own topics, and hears only what the hub addressed to it.</summary>
public sealed class TopicRulesTests() : HubTest("pi-a", "pi-b")
{
    [Fact]
    public async Task A_device_publishing_on_another_devices_telemetry_topic_is_disconnected_and_nothing_is_stored()
    {
        await using var a = await f.ConnectAsync("pi-a");
        string forged = new IotHubTopics("pi-b").Telemetry([new(MessageProperties.MessageId, "m-1"), new(MessageProperties.Kind, "note")]);

        await Should.ThrowAsync<Exception>(async () =>
        {
            await a.PublishAsync(forged, "{}");
            await a.PublishAsync(forged, "{}"); // the first may be written before the hub closes the socket
        });

        await a.Disconnected.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        f.Hub.Telemetry.MessageCount("pi-b").ShouldBe(0);
        f.Hub.Telemetry.MessageCount("pi-a").ShouldBe(0);
        await f.Log.WaitForAsync("pi-a", "disconnected", "devices/pi-b/messages/events");
    }

    [Fact]
    public async Task A_device_subscribing_to_another_devices_cloud_to_device_topic_is_refused_and_disconnected()
    {
        await using var a = await f.ConnectAsync("pi-a");

        try
        {
            var result = await a.SubscribeAsync("devices/pi-b/messages/devicebound/#");
            result.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.NotAuthorized);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException) { } // or the socket closed before the SUBACK was read

        await a.Disconnected.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await f.Log.WaitForAsync("pi-a", "may not subscribe", "devices/pi-b/messages/devicebound/#");
    }

    [Fact]
    public async Task A_device_may_subscribe_to_everything_the_protocol_offers_it()
    {
        await using var a = await f.ConnectAsync("pi-a");

        var result = await a.SubscribeAsync([.. a.Topics.DeviceSubscriptions]);

        result.Items.ShouldAllBe(i => i.ResultCode == MqttClientSubscribeResultCode.GrantedQoS1);
    }

    [Fact]
    public async Task What_the_hub_sends_to_one_device_never_reaches_another_on_the_same_filters()
    {
        await using var a = await f.ConnectAsync("pi-a");
        await using var b = await f.ConnectAsync("pi-b");
        await a.SubscribeAllAsync();
        await b.SubscribeAllAsync();

        await a.RequestAsync(a.Topics.TwinGet("1"), "", "1");
        await f.Hub.UpdateDesiredAsync("pi-a", new JsonObject { ["k"] = 3 }, TestContext.Current.CancellationToken);
        await a.NextAsync(m => a.Topics.Parse(m.Topic)?.Kind == TopicKind.TwinDesired);
        await f.Hub.SendCloudToDeviceAsync("pi-a", [1], new Dictionary<string, string>(), TestContext.Current.CancellationToken);
        await a.NextAsync(m => a.Topics.Parse(m.Topic)?.Kind == TopicKind.CloudToDevice);

        (await b.AnythingWithinAsync(0.3)).ShouldBeNull();
    }
}
