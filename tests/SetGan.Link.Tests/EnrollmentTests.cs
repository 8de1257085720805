using System.Text.Json.Nodes;
using SetGan.Core.Link;
using SetGan.Hub;

namespace SetGan.Link.Tests;

/// <summary>Group enrollment: one image for many boards; each registers itself on its first connection, in its group, with the group's budget.</summary>
public sealed class EnrollmentTests
{
    [Fact]
    public async Task A_board_with_the_group_key_enrolls_itself_with_the_groups_budget_and_a_disabled_one_stays_out()
    {
        await using var rig = await LinkRig.StartAsync();
        var hub = (EmbeddedHub)rig.Hub;
        var group = hub.Groups.GetOrCreate("pis");
        hub.Groups.SetDesired("pis", new JsonObject { ["budget"] = new JsonObject { ["watts"] = 4.5, ["imagesPerMinute"] = 30 } });
        string device = "pi-0042";
        string connection = new DeviceConnectionString
        {
            HostName = "localhost", DeviceId = device, GroupKey = group.GroupKey, Port = hub.MqttPort, CertificateSha256 = hub.CertificateSha256,
        }.ToString();
        hub.Devices.Get(device).ShouldBeNull();

        rig.StartAgent(withPackage: true, "--device", device, "--connection-string", connection);
        bool enrolled = await rig.WaitForAsync(() => hub.Devices.Get(device) is not null && hub.Twins.Get(device).Reported[TwinProperties.ActiveBudget]?["watts"]?.GetValue<double>() == 4.5);

        enrolled.ShouldBeTrue(rig.Output);
        hub.Groups.GroupOf(device).ShouldBe("pis");
        hub.Devices.Get(device)!.PrimaryKey.ShouldBe(GroupEnrollment.DeviceKey(group.GroupKey, device));

        hub.Devices.SetEnabled(device, false); // revoked: dropped at once, and the group key does not let it back in
        (await rig.WaitForAsync(() => !hub.IsConnected(device), 10)).ShouldBeTrue(rig.Output);
        await Task.Delay(2000, TestContext.Current.CancellationToken); // reconnect attempts come and are refused
        hub.IsConnected(device).ShouldBeFalse(rig.Output);
        rig.Output.ShouldContain("Link to localhost");
    }

    [Fact]
    public async Task A_key_from_another_group_does_not_enroll()
    {
        await using var rig = await LinkRig.StartAsync();
        var hub = (EmbeddedHub)rig.Hub;
        hub.Groups.GetOrCreate("pis");
        string stranger = Convert.ToBase64String(new byte[32]);
        string connection = new DeviceConnectionString
        {
            HostName = "localhost", DeviceId = "pi-0099", GroupKey = stranger, Port = hub.MqttPort, CertificateSha256 = hub.CertificateSha256,
        }.ToString();

        rig.StartAgent(withPackage: true, "--device", "pi-0099", "--connection-string", connection);
        await rig.WaitForAsync(() => rig.Output.Contains("Link to localhost"), 20);

        hub.Devices.Get("pi-0099").ShouldBeNull();
        rig.Output.ShouldContain("Link to localhost"); // the agent keeps trying, with backoff; nothing crashes
    }
}
