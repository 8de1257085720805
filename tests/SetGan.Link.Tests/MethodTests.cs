using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Link.Tests;

/// <summary>Direct methods from the hub, answered by the agent.</summary>
public sealed class MethodTests
{
    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task Status_setBudget_generate_and_unknown_methods_are_answered(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: true);
        await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k is not null)).ShouldBeTrueAsync(rig.Output);

        var status = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "status", null, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        status.Status.ShouldBe(200);
        status.Payload![TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(SetGan.Core.Tests.Packaging.TestPackages.Sizes.Count - 1);
        status.Payload!["outboxMessages"].ShouldNotBeNull();

        var bad = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "setBudget", new JsonObject { ["watts"] = -3 }, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        bad.Status.ShouldBe(400);
        bad.Payload!["error"]!.GetValue<string>().ShouldContain("budget.watts -3");

        var budget = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "setBudget", new JsonObject { ["watts"] = 3.5, ["imagesPerMinute"] = 20 }, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        budget.Status.ShouldBe(200, budget.Payload?.ToJsonString());
        budget.Payload!["watts"]!.GetValue<double>().ShouldBe(3.5);
        (await rig.WaitForAsync(() => rig.Reported[TwinProperties.ActiveBudget]?["watts"]?.GetValue<double>() == 3.5)).ShouldBeTrue(rig.Output);

        var generated = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "generate", new JsonObject { ["count"] = 2, ["k"] = 1 }, TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        generated.Status.ShouldBe(200, generated.Payload?.ToJsonString());
        var images = generated.Payload!["images"]!.AsArray();
        images.Count.ShouldBe(2);
        images.ShouldAllBe(i => i!["k"]!.GetValue<int>() == 1);
        File.Exists(Path.Combine(rig.AgentData, "images", images[0]!["file"]!.GetValue<string>())).ShouldBeTrue();

        var unknown = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "selfDestruct", null, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        unknown.Status.ShouldBe(404);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task Profile_measures_every_k_on_command_and_reports_the_energy_profile_in_the_twin(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: true, "--Agent:ProfileBatches", "2", "--Agent:ProfileBatchSeconds", "0.3", "--Agent:ProfileIdleSeconds", "0.3", "--rate", "200");
        await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k is not null)).ShouldBeTrueAsync(rig.Output);

        var result = await rig.Hub.InvokeMethodAsync(LinkRig.Device, "profile", null, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        result.Status.ShouldBe(200, result.Payload?.ToJsonString());
        var truncations = result.Payload!["truncations"]!.AsArray();
        truncations.Count.ShouldBe(SetGan.Core.Tests.Packaging.TestPackages.Sizes.Count);
        truncations.ShouldAllBe(t => t!["joules_per_image"]!.GetValue<double>() > 0);
        result.Payload!["estimated"]!.GetValue<bool>().ShouldBeTrue(); // the estimate sensor: never reported as a measurement
        (await rig.WaitForAsync(() => rig.Reported[TwinProperties.EnergyProfile] is JsonObject)).ShouldBeTrue(rig.Output);
        File.Exists(Path.Combine(rig.AgentData, "energy-profile.json")).ShouldBeTrue();
    }

    [Fact]
    public async Task Cloud_to_device_messages_reach_the_agent_with_their_properties()
    {
        await using var rig = await LinkRig.StartAsync();
        rig.StartAgent(withPackage: true);
        await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k is not null)).ShouldBeTrueAsync(rig.Output);

        await rig.Hub.SendCloudToDeviceAsync(LinkRig.Device, "hello pi"u8.ToArray(), new Dictionary<string, string> { ["purpose"] = "greeting" }, TestContext.Current.CancellationToken);

        (await rig.WaitForAsync(() => rig.Output.Contains("Cloud-to-device message of 8 bytes"))).ShouldBeTrue(rig.Output);
        rig.Output.ShouldContain("greeting");
    }
}
