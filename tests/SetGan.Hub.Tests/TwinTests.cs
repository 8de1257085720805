using MQTTnet;
using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>Device twins as IoT Hub keeps them: GET, reported patches with versions, desired pushes, persistence.</summary>
public sealed class TwinTests() : HubTest("pi-01")
{
    [Fact]
    public async Task A_twin_GET_answers_200_with_both_sections_and_their_versions()
    {
        await f.Hub.UpdateDesiredAsync("pi-01", new JsonObject { ["k"] = 4 }, Ct);
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        var (response, body) = await device.RequestAsync(device.Topics.TwinGet("7"), "", "7");

        response.Status.ShouldBe(200);
        var doc = JsonNode.Parse(body)!;
        doc["desired"]!["k"]!.GetValue<int>().ShouldBe(4);
        doc["desired"]!["$version"]!.GetValue<long>().ShouldBe(2);
        doc["reported"]!["$version"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task Reported_patches_merge_bump_the_version_and_survive_a_hub_restart()
    {
        var changes = new List<JsonObject>();
        f.Hub.ReportedChanged += (_, reported) => { lock (changes) changes.Add(reported); };
        await using (var device = await f.ConnectAsync("pi-01"))
        {
            await device.SubscribeAllAsync();
            var (first, _) = await device.RequestAsync(device.Topics.TwinPatchReported("1"), """{"activeK":3,"status":{"state":"running"}}""", "1");
            var (second, _) = await device.RequestAsync(device.Topics.TwinPatchReported("2"), """{"status":{"state":"idle"},"activeK":null}""", "2");

            (first.Status, first.Version).ShouldBe((204, 2L));
            (second.Status, second.Version).ShouldBe((204, 3L));
        }
        changes.Count.ShouldBe(2);
        changes[1]["status"]!["state"]!.GetValue<string>().ShouldBe("idle");

        await f.RestartAsync();

        var twin = await f.Hub.Twins.GetAsync("pi-01", Ct);
        twin.ReportedVersion.ShouldBe(3);
        twin.Reported.ToJsonString().ShouldBe("""{"status":{"state":"idle"}}""");
        await using var again = await f.ConnectAsync("pi-01");
        await again.SubscribeAllAsync();
        var (reply, _) = await again.RequestAsync(again.Topics.TwinPatchReported("3"), """{"activeK":1}""", "3");
        reply.Version.ShouldBe(4);
    }

    [Fact]
    public async Task A_desired_update_is_pushed_to_the_connected_device_with_its_version()
    {
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        long version = await f.Hub.UpdateDesiredAsync("pi-01", new JsonObject { ["k"] = 5, ["budget"] = new JsonObject { ["watts"] = 2.5 } }, Ct);

        var pushed = await device.NextAsync(m => device.Topics.Parse(m.Topic)?.Kind == TopicKind.TwinDesired);
        device.Topics.Parse(pushed.Topic)!.Version.ShouldBe(version);
        var patch = JsonNode.Parse(pushed.ConvertPayloadToString())!;
        patch["k"]!.GetValue<int>().ShouldBe(5);
        patch["$version"]!.GetValue<long>().ShouldBe(version);
        (await f.Hub.Twins.GetAsync("pi-01", Ct)).Desired["budget"]!["watts"]!.GetValue<double>().ShouldBe(2.5);
    }

    [Fact]
    public async Task A_reported_patch_that_is_not_a_JSON_object_is_answered_400_and_nothing_is_stored()
    {
        await using var device = await f.ConnectAsync("pi-01");
        await device.SubscribeAllAsync();

        var (broken, _) = await device.RequestAsync(device.Topics.TwinPatchReported("1"), """{"activeK": 3""", "1");
        var (array, _) = await device.RequestAsync(device.Topics.TwinPatchReported("2"), "[1,2]", "2");

        broken.Status.ShouldBe(400);
        array.Status.ShouldBe(400);
        var twin = await f.Hub.Twins.GetAsync("pi-01", Ct);
        (twin.ReportedVersion, twin.Reported.Count).ShouldBe((1L, 0));
        device.Client.IsConnected.ShouldBeTrue(); // a bad body is the device's bug, not an attack
    }
}
