using System.Buffers;
using MQTTnet;
using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>Direct methods and cloud-to-device messages.</summary>
public sealed class MethodTests() : HubTest("pi-01")
{
    [Fact]
    public async Task A_direct_method_carries_its_payload_to_the_device_and_returns_the_devices_status_and_answer()
    {
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        var call = f.Hub.InvokeMethodAsync("pi-01", "reboot", new JsonObject { ["delay"] = 2 }, ct: Ct);
        var request = await device.NextAsync(m => device.Topics.Parse(m.Topic)?.Kind == TopicKind.MethodRequest);
        var parsed = device.Topics.Parse(request.Topic)!;
        parsed.Method.ShouldBe("reboot");
        JsonNode.Parse(request.ConvertPayloadToString())!["delay"]!.GetValue<int>().ShouldBe(2);
        await device.PublishAsync(device.Topics.MethodResponse(202, parsed.Rid!), """{"accepted":true}""");

        var result = await call;
        result.Status.ShouldBe(202);
        result.Payload!["accepted"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task A_method_the_device_does_not_answer_times_out()
    {
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        await Should.ThrowAsync<TimeoutException>(() => f.Hub.InvokeMethodAsync("pi-01", "slow", null, TimeSpan.FromMilliseconds(300), Ct));
    }

    [Fact]
    public async Task A_method_on_a_device_that_is_not_connected_fails_at_once()
    {
        var e = await Should.ThrowAsync<DeviceNotConnectedException>(() => f.Hub.InvokeMethodAsync("pi-01", "reboot", null, ct: Ct));
        e.DeviceId.ShouldBe("pi-01");
    }

    [Fact]
    public async Task A_cloud_to_device_message_arrives_with_its_properties()
    {
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        await f.Hub.SendCloudToDeviceAsync("pi-01", [1, 2, 3], new Dictionary<string, string> { ["command"] = "snapshot now" }, Ct);

        var message = await device.NextAsync();
        var parsed = device.Topics.Parse(message.Topic)!;
        parsed.Kind.ShouldBe(TopicKind.CloudToDevice);
        parsed.Properties!["command"].ShouldBe("snapshot now");
        parsed.Properties.ShouldContainKey(MessageProperties.MessageId);
        message.Payload.ToArray().ShouldBe(new byte[] { 1, 2, 3 });
    }
}
