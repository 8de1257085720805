using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Link.Tests;

/// <summary>The agent and the embedded hub: the twin read at connect, desired changes applied or refused, what runs reported.</summary>
public sealed class TwinTests
{
    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task The_agent_connects_reads_its_twin_and_reports_what_runs_on_what(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: true);

        bool reported = await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k is not null));

        reported.ShouldBeTrue(rig.Output);
        var twin = rig.Reported;
        twin[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(TestPackagesFinest);
        twin[TwinProperties.Profile]!.GetValue<string>().ShouldBe("raspberry-pi-4");
        twin[TwinProperties.Sensor]!["estimated"]!.GetValue<bool>().ShouldBeTrue();
        twin[TwinProperties.AgentVersion]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        twin[TwinProperties.Status]!.GetValue<string>().ShouldBe("running");
        rig.Hub.IsConnected(LinkRig.Device).ShouldBeTrue();
    }

    private static int TestPackagesFinest => SetGan.Core.Tests.Packaging.TestPackages.Sizes.Count - 1;

    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task A_desired_k_takes_effect_without_a_restart_and_a_bad_one_is_refused_with_the_reason(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: true);
        await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k is not null)).ShouldBeTrueAsync(rig.Output);

        long v1 = await rig.Hub.UpdateDesiredAsync(LinkRig.Device, new JsonObject { ["k"] = 1 }, TestContext.Current.CancellationToken);
        bool applied = await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.DesiredVersion, v => v?.GetValue<long>() == v1));
        applied.ShouldBeTrue(rig.Output);
        rig.Reported[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(1);
        string images = Path.Combine(rig.AgentData, "images");
        (await rig.WaitForAsync(() => Directory.Exists(images) && Directory.GetFiles(images, "*-k1-*.png").Length > 0)).ShouldBeTrue(rig.Output);

        long v2 = await rig.Hub.UpdateDesiredAsync(LinkRig.Device, new JsonObject { ["k"] = 99 }, TestContext.Current.CancellationToken);
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.DesiredVersion, v => v?.GetValue<long>() == v2))).ShouldBeTrue(rig.Output);
        var rejected = rig.Reported[TwinProperties.Rejected]!;
        rejected["version"]!.GetValue<long>().ShouldBe(v2);
        rejected["reason"]!.GetValue<string>().ShouldContain("k 99 must be a whole number 0..");
        rig.Reported[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(1);

        long v3 = await rig.Hub.UpdateDesiredAsync(LinkRig.Device, new JsonObject { ["k"] = 2, ["budget"] = new JsonObject { ["watts"] = "lots" } }, TestContext.Current.CancellationToken);
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.DesiredVersion, v => v?.GetValue<long>() == v3))).ShouldBeTrue(rig.Output);
        rig.Reported[TwinProperties.Rejected]!["reason"]!.GetValue<string>().ShouldContain("budget.watts");
        rig.Reported[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(1); // the whole document is refused, k too
    }

    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task Desired_changes_made_while_the_agent_was_away_are_applied_when_it_connects(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        await rig.Hub.UpdateDesiredAsync(LinkRig.Device, new JsonObject { ["k"] = 0, ["budget"] = new JsonObject { ["imagesPerMinute"] = 30 } }, TestContext.Current.CancellationToken);
        rig.StartAgent(withPackage: true);

        bool applied = await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k?.GetValue<int>() == 0));

        applied.ShouldBeTrue(rig.Output);
        rig.Reported[TwinProperties.ActiveBudget]!["imagesPerMinute"]!.GetValue<double>().ShouldBe(30);
    }
}

internal static class AsyncShould
{
    public static async Task ShouldBeTrueAsync(this Task<bool> condition, string because) => (await condition).ShouldBeTrue(because);
}
