using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;
using SetGan.Fleet;

namespace SetGan.Link.Tests;

/// <summary>k* per device: planned from the device's reported energy, its budget and the package, pushed, and run.</summary>
public sealed class KStarPlannerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-kstar-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (PackageManifest Manifest, EnergyProfile Measured) Setup()
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        var manifest = PyramidPackage.ReadManifest(package, publicKey);
        var measured = new EnergyProfile
        {
            Format = EnergyProfile.CurrentFormat, Device = "pi-01", Sensor = "ina219", ModelsSha256 = manifest.ModelsSha256(),
            MeasuredAt = DateTimeOffset.UnixEpoch, IdleWatts = 2.0,
            Truncations = [.. Enumerable.Range(0, manifest.Scales.Count).Select(k => new MeasuredTruncation
            {
                K = k, Images = 10, JoulesPerImage = 0.1 * (k + 1), JoulesStd = 0, SecondsPerImage = 0.02 * (k + 1), SecondsStd = 0, AverageWatts = 5,
            })],
        };
        return (manifest, measured);
    }

    [Fact]
    public void A_joules_per_image_budget_gives_the_largest_k_that_fits_the_measured_energy()
    {
        var (manifest, measured) = Setup();
        var decision = KStarPlanner.Plan(manifest, measured, null, new BudgetSettings(null, 0.25, 1));
        decision.K.ShouldBe(1); // 0.1 and 0.2 J fit, 0.3 J does not
        decision.Feasible.ShouldBeTrue();
        decision.Energy.ShouldBe(EnergySource.Measured);
    }

    [Fact]
    public void With_two_budgets_the_tighter_wins_and_with_none_the_whole_pyramid_runs()
    {
        var (manifest, measured) = Setup();
        int n = manifest.Scales.Count - 1;
        KStarPlanner.Plan(manifest, measured, null, null).K.ShouldBe(n);
        // 0.35 J allows k = 2; 2.1 W at 60 images a minute allows E + 2 W (1 s - t) <= 2.1 W s: only k = 0 (0.1 J + 1.96 J = 2.06).
        KStarPlanner.Plan(manifest, measured, null, new BudgetSettings(2.1, 0.35, 60)).K.ShouldBe(0);
    }

    [Fact]
    public void A_budget_nothing_fits_says_so_and_runs_the_cheapest()
    {
        var (manifest, measured) = Setup();
        var decision = KStarPlanner.Plan(manifest, measured, null, new BudgetSettings(null, 0.01, 1));
        decision.Feasible.ShouldBeFalse();
        decision.K.ShouldBe(0);
        decision.Reason.ShouldContain("nothing fits");
    }

    [Fact]
    public void A_profile_measured_on_other_generators_is_not_used_the_board_estimate_is_and_says_so()
    {
        var (manifest, measured) = Setup();
        var budget = new BudgetSettings(null, 0.25, 1);
        var decision = KStarPlanner.Plan(manifest, measured with { ModelsSha256 = new string('0', 64) }, DeviceProfiles.Load("raspberry-pi-4"), budget);
        decision.Energy.ShouldBe(EnergySource.Estimated);
        Should.Throw<ProfileException>(() => KStarPlanner.Plan(manifest, measured with { ModelsSha256 = new string('0', 64) }, null, budget));
    }
}

public sealed class FleetControllerTests
{
    [Fact]
    public async Task A_budget_set_in_the_cloud_reaches_the_device_as_its_k_star_and_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await LinkRig.StartAsync();
        using var fleet = new FleetController(rig.Hub, File.ReadAllText(rig.PublicKeyPath), Serilog.Core.Logger.None);
        rig.StartAgent(withPackage: false, "--Agent:ProfileNewPackages", "true", "--Agent:ProfileBatches", "2", "--Agent:ProfileBatchSeconds", "0.3",
            "--Agent:ProfileIdleSeconds", "0.3", "--rate", "200");
        var package = fleet.Publish(rig.Package);
        await fleet.DeployAsync(LinkRig.Device, package, ct);
        int n = TestPackages.Sizes.Count - 1;
        (await rig.WaitForAsync(() => rig.Reported[TwinProperties.EnergyProfile] is System.Text.Json.Nodes.JsonObject && rig.ReportedIs(TwinProperties.ActiveK, k => k?.GetValue<int>() == n), 90))
            .ShouldBeTrue(rig.Output);

        var tight = await fleet.SetBudgetAsync(LinkRig.Device, new BudgetSettings(null, 1e-6, 60), ct);
        tight.ShouldNotBeNull().Feasible.ShouldBeFalse();
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k?.GetValue<int>() == 0))).ShouldBeTrue(rig.Output);

        var loose = await fleet.SetBudgetAsync(LinkRig.Device, new BudgetSettings(null, 1e6, 60), ct);
        loose.ShouldNotBeNull().K.ShouldBe(n);
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.ActiveK, k => k?.GetValue<int>() == n))).ShouldBeTrue(rig.Output);
        rig.Reported[TwinProperties.ActiveBudget]!["joulesPerImage"]!.GetValue<double>().ShouldBe(1e6);
        fleet.Decisions[LinkRig.Device].K.ShouldBe(n);
    }
}
