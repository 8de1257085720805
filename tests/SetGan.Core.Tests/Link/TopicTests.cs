using SetGan.Core.Link;

namespace SetGan.Core.Tests.Link;

public sealed class TopicTests
{
    [Fact]
    public void Telemetry_topics_carry_the_url_encoded_property_bag_as_in_Azure_docs()
    {
        var topics = new IotHubTopics("d1");
        string topic = topics.Telemetry([new("$.mid", "m-1"), new("$.ct", "application/json"), new("kind", "power")]);
        topic.ShouldBe("devices/d1/messages/events/%24.mid=m-1&%24.ct=application%2Fjson&kind=power");
        var parsed = topics.Parse(topic)!;
        parsed.Kind.ShouldBe(TopicKind.Telemetry);
        parsed.Properties!["$.ct"].ShouldBe("application/json");
    }

    [Theory]
    [InlineData(TopicDialect.IotHub, "$iothub/twin/GET/?$rid=7")]
    [InlineData(TopicDialect.Broker, "devices/d1/$iothub/twin/GET/?$rid=7")]
    public void Twin_requests_round_trip_in_both_dialects(TopicDialect dialect, string expected)
    {
        var topics = new IotHubTopics("d1", dialect);
        topics.TwinGet("7").ShouldBe(expected);
        topics.Parse(expected).ShouldBe(new TopicMessage(TopicKind.TwinGet, Rid: "7"));
    }

    [Fact]
    public void Responses_desired_patches_and_methods_parse_with_status_version_and_name()
    {
        var topics = new IotHubTopics("d1");
        topics.Parse(topics.TwinResponse(204, "3", 12)).ShouldBe(new TopicMessage(TopicKind.TwinResponse, Rid: "3", Status: 204, Version: 12));
        topics.Parse("$iothub/twin/PATCH/properties/desired/?$version=5").ShouldBe(new TopicMessage(TopicKind.TwinDesired, Version: 5));
        topics.Parse("$iothub/methods/POST/setBudget/?$rid=9").ShouldBe(new TopicMessage(TopicKind.MethodRequest, Rid: "9", Method: "setBudget"));
        topics.Parse(topics.MethodResponse(200, "9")).ShouldBe(new TopicMessage(TopicKind.MethodResponse, Rid: "9", Status: 200));
        topics.Parse(topics.TwinPatchReported("4")).ShouldBe(new TopicMessage(TopicKind.TwinPatchReported, Rid: "4"));
    }

    [Fact]
    public void Another_devices_topics_and_unknown_paths_are_not_ours()
    {
        var topics = new IotHubTopics("d1");
        topics.Parse("devices/d2/messages/events/kind=power").ShouldBeNull();
        topics.Parse("$iothub/twin/GET/").ShouldBeNull(); // no $rid
        topics.Parse("$iothub/unknown/thing/?$rid=1").ShouldBeNull();
        IotHubTopics.DeviceOf("devices/d2/$iothub/twin/GET/?$rid=1").ShouldBe("d2");
    }
}
