using SetGan.Fleet.Service;

namespace SetGan.Fleet.Tests;

/// <summary>The service, its hub and two agents as separate processes: deployments, budgets, k*, images and power, end to end.</summary>
public sealed class FleetServiceTests
{
    [Fact]
    public async Task A_budget_change_reaches_its_device_and_changes_k_while_images_and_power_arrive_from_both()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.StartAgentAsync("pi-01", "raspberry-pi-4", ["lab", "pis"]);
        await rig.StartAgentAsync("nano-01", "jetson-nano", ["lab"]);
        string sha = await rig.Client.PublishAsync(rig.Package, ct);
        int n = Core.Tests.Packaging.TestPackages.Sizes.Count - 1;

        var deployed = await rig.Client.DeployAsync(new DeployRequest(sha[..12], null, "lab"), ct);
        deployed.Select(d => d.Device).Order().ShouldBe(["nano-01", "pi-01"]);
        deployed.ShouldAllBe(d => d.K == n); // no budget yet: the whole pyramid

        // Both run the package at k = n and profile it on their own (emulated) sensor; the cloud plans with that profile.
        (await rig.WaitForAsync(async () => (await rig.Client.DevicesAsync()).All(d => d.ActiveK == n && d.Images > 0 && d.PowerWatts > 0)))
            .ShouldBeTrue(rig.Output);
        (await rig.WaitForAsync(async () => (await rig.Client.PackagesAsync(ct))[0].Devices.Count(c => c.Source == FleetViews.ProfiledEstimated) == 2)).ShouldBeTrue(rig.Output);

        // A budget between what pi-01 measured for k = 0 and for the whole pyramid: a smaller k* is pushed and run;
        // nano-01, without a budget, keeps the whole pyramid.
        var measured = (await rig.Client.PackagesAsync(ct))[0].Devices.Single(d => d.Device == "pi-01").JoulesPerImage;
        double budget = Math.Sqrt(measured[0] * measured[n]);
        var decision = (await rig.Client.SetBudgetAsync(new BudgetRequest("pi-01", null, budget, null, null), ct)).Single();
        decision.Feasible.ShouldBeTrue(decision.Reason);
        decision.K.ShouldNotBeNull().ShouldBeLessThan(n, decision.Reason);
        int k = decision.K!.Value;
        (await rig.WaitForAsync(async () => (await rig.DeviceAsync("pi-01")).ActiveK == k)).ShouldBeTrue(rig.Output);
        var nano = await rig.DeviceAsync("nano-01");
        nano.ActiveK.ShouldBe(n);
        nano.KStar.ShouldBe(n);

        // Images made at the new k arrive; energy per image is reported with them; the power chart has points.
        (await rig.WaitForAsync(async () => rig.Service.Views.Images("pi-01", 1) is [{ } latest] && latest.K == k)).ShouldBeTrue(rig.Output);
        (await rig.WaitForAsync(async () => (await rig.DeviceAsync("nano-01")).JoulesPerImage > 0)).ShouldBeTrue(rig.Output);
        rig.Service.Views.Images("nano-01", 50).ShouldContain(i => i.Joules > 0 && i.Estimated); // the emulated INA219 models power: labelled so
        // A budget nothing fits: k = 0 runs (the cheapest), and the answer says so.
        var tight = (await rig.Client.SetBudgetAsync(new BudgetRequest("pi-01", null, 1e-6, null, null), ct)).Single();
        tight.Feasible.ShouldBeFalse();
        tight.K.ShouldBe(0);
        tight.Reason.ShouldContain("nothing fits");
        rig.Service.Hub.Telemetry.PowerSampleCount("nano-01").ShouldBeGreaterThan(100);
        var (points, estimated) = PowerOf(rig, "nano-01");
        points.ShouldBeGreaterThan(4);
        estimated.ShouldBeTrue();

        // The quality-energy curve marks each device's k*.
        var curve = (await rig.Client.PackagesAsync(ct)).Single();
        curve.Devices.Single(d => d.Device == "pi-01").KStar.ShouldBe(0);
        curve.Devices.Single(d => d.Device == "nano-01").KStar.ShouldBe(n);
        curve.Devices.ShouldAllBe(d => d.JoulesPerImage.Count == n + 1);
    }

    private static (int Points, bool Estimated) PowerOf(FleetRig rig, string device)
    {
        using var http = new HttpClient { BaseAddress = rig.Service.Url };
        http.DefaultRequestHeaders.Authorization = new("Bearer", rig.Service.Token);
        var json = System.Text.Json.JsonDocument.Parse(http.GetStringAsync($"api/devices/{device}/power").GetAwaiter().GetResult()).RootElement;
        return (json.GetProperty("points").GetArrayLength(), json.GetProperty("estimated").GetBoolean());
    }
}

/// <summary>Revoking a device from the fleet takes effect at once, not at its next connection.</summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task A_revoked_device_is_cut_off_at_once_and_stays_out_until_enabled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.StartAgentAsync("pi-01", "raspberry-pi-4", ["lab"]);
        (await rig.WaitForAsync(async () => (await rig.DeviceAsync("pi-01")).Connected)).ShouldBeTrue(rig.Output);

        var revoked = await rig.Client.SetEnabledAsync("pi-01", false, ct);
        revoked.GetProperty("enabled").GetBoolean().ShouldBeFalse();
        (await rig.WaitForAsync(async () => !(await rig.DeviceAsync("pi-01")).Connected, 5)).ShouldBeTrue(rig.Output);
        // The agent keeps retrying with its key (backoff capped at 1 s here): every attempt is refused.
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        var device = await rig.DeviceAsync("pi-01");
        device.Connected.ShouldBeFalse();
        device.Enabled.ShouldBeFalse();

        await rig.Client.SetEnabledAsync("pi-01", true, ct);
        (await rig.WaitForAsync(async () => (await rig.DeviceAsync("pi-01")).Connected, 30)).ShouldBeTrue(rig.Output);

        await rig.Client.RemoveDeviceAsync("pi-01", ct);
        (await rig.WaitForAsync(async () => !rig.Service.Hub.IsConnected("pi-01"), 5)).ShouldBeTrue(rig.Output);
        (await rig.Client.DevicesAsync(ct)).ShouldBeEmpty();
    }
}
