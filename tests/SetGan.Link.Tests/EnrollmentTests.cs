using System.Diagnostics;
using System.Text.Json.Nodes;
using SetGan.Core.Link;
using SetGan.Fleet.Rollout;
using SetGan.Hub;
using SetGan.Core.Hosting;

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

    [Fact]
    public async Task An_IoT_Edge_module_with_the_deployments_environment_and_IOTEDGE_DEVICEID_enrolls_as_that_device()
    {
        await using var rig = await LinkRig.StartAsync();
        var hub = (EmbeddedHub)rig.Hub;
        var group = hub.Groups.GetOrCreate("edge-pis");
        var manifest = EdgeDeployment.Manifest(new EdgeAgentRollout
        {
            Image = "registry.example.net/setgan-agent:test", Profile = SetGan.Core.Energy.DeviceProfiles.Load("raspberry-pi-4"), Sensor = "estimate",
            GroupConnectionString = new DeviceConnectionString
            {
                HostName = "localhost", DeviceId = "", GroupKey = group.GroupKey, Port = hub.MqttPort, CertificateSha256 = hub.CertificateSha256,
            }.ToString(),
        });
        // The module's environment as IoT Edge sets it, with the container's paths (data, key) mapped to this machine's.
        var environment = manifest["modulesContent"]!["$edgeAgent"]!["properties.desired"]!["modules"]![EdgeDeployment.ModuleName]!["env"]!.AsObject()
            .ToDictionary(e => e.Key, e => e.Value!["value"]!.GetValue<string>());
        environment["SETGAN_Agent__DataDir"] = Path.Combine(rig.Dir, "edge-agent");
        environment["SETGAN_Agent__PublicKey"] = rig.PublicKeyPath;
        environment["SETGAN_Agent__ProfileNewPackages"] = "false";
        environment["SETGAN_Agent__Link__MaxBackoffSeconds"] = "1";
        environment["IOTEDGE_DEVICEID"] = "edge-pi-0007";

        using var agent = SetGan.Agent.Tests.Hosting.AgentProcess.Start(environment);
        var output = new System.Text.StringBuilder();
        agent.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        agent.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60); // the rig's wait follows its own agent; this one is started here
        bool Enrolled() => hub.Devices.Get("edge-pi-0007") is not null && hub.IsConnected("edge-pi-0007");
        while (!Enrolled() && !agent.HasExited && DateTime.UtcNow < deadline) await Task.Delay(50, TestContext.Current.CancellationToken);
        bool enrolled = Enrolled();
        ProcessStop.Interrupt(agent);
        await agent.WaitForExitAsync(TestContext.Current.CancellationToken);

        string log;
        lock (output) log = output.ToString();
        enrolled.ShouldBeTrue(log);
        hub.Groups.GroupOf("edge-pi-0007").ShouldBe("edge-pis");
        hub.Devices.Get("edge-pi-0007")!.PrimaryKey.ShouldBe(GroupEnrollment.DeviceKey(group.GroupKey, "edge-pi-0007"));
        log.ShouldContain("setgan-agent starting for device edge-pi-0007");
    }
}
