using SetGan.Fleet.Service;
using SetGan.Fleet.Jobs;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SetGan.Fleet.Tests;

/// <summary>The dashboard in a real headless Chromium, against the service and a real agent.</summary>
public sealed class DashboardTests
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task The_page_shows_live_data_and_a_budget_set_on_it_changes_the_devices_k()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.StartAgentAsync("pi-01", "raspberry-pi-4", ["lab"]);
        string sha = await rig.Client.PublishAsync(rig.Package, ct);
        await rig.Client.DeployAsync(new DeployRequest(sha, "pi-01", null), ct);
        int n = Core.Tests.Packaging.TestPackages.Sizes.Count - 1;

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(rig.Service.DashboardUrl);
        var row = page.Locator("#devices tr[data-device='pi-01']");
        await Assertions.Expect(row.Locator("td.k")).ToHaveTextAsync($"{n} / {n}", new() { Timeout = 90_000 });
        await Assertions.Expect(row.Locator("td.profile")).ToHaveTextAsync("raspberry-pi-4");
        await Assertions.Expect(row.Locator("td.id .dot.on")).ToBeVisibleAsync();

        // Live: the power cell shows watts, the chart draws a line, images appear, and the page keeps updating.
        await Assertions.Expect(row.Locator("td.power")).ToHaveTextAsync(new Regex(@"^\d+\.\d\d W"), new() { Timeout = 30_000 });
        var panel = page.Locator(".panel[data-device='pi-01']");
        await Assertions.Expect(panel.Locator("svg.power polyline")).ToBeVisibleAsync(Long);
        await Assertions.Expect(panel.Locator(".images img").First).ToBeVisibleAsync(Long);
        (await panel.Locator(".images img").First.EvaluateAsync<int>("img => img.naturalWidth")).ShouldBeGreaterThan(0); // the PNG loaded
        string before = await page.Locator("#summary").InnerTextAsync();
        await Assertions.Expect(page.Locator("#summary")).Not.ToHaveTextAsync(before, new() { Timeout = 5_000 });

        // The quality-energy chart marks the device's k*, once it profiled the package.
        await Assertions.Expect(page.Locator($"circle.kstar[data-device='pi-01'][data-k='{n}']")).ToBeVisibleAsync(Long);

        // A budget nothing fits, typed on the page: k* = 0 is pushed, the device runs it, the row and the chart follow.
        await row.Locator("input.budget-j").FillAsync("0.000001");
        await row.Locator("button.budget-set").ClickAsync();
        await Assertions.Expect(row.Locator(".decision")).ToHaveTextAsync("k* = 0", new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("td.k")).ToHaveTextAsync("0 / 0", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("td.budget")).ToHaveTextAsync("1.00e-6 J/image");
        await Assertions.Expect(page.Locator("circle.kstar[data-device='pi-01'][data-k='0']")).ToBeVisibleAsync(Long);
        await Assertions.Expect(page.Locator("#error")).ToBeEmptyAsync();
        (await rig.DeviceAsync("pi-01")).ActiveK.ShouldBe(0);
        // For people: what the page looked like, beside the test results.
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task Without_the_token_the_page_says_so_and_a_bad_budget_is_refused_with_the_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.Client.AddDeviceAsync("pi-01", [], ct);
        await using var browser = await Browser.LaunchAsync();

        var anonymous = await browser.OpenAsync(rig.Service.Url.ToString());
        await Assertions.Expect(anonymous.Locator("#error")).ToContainTextAsync("admin token");
        (await anonymous.Locator("#devices tbody tr").CountAsync()).ShouldBe(0);

        var page = await browser.OpenAsync(rig.Service.DashboardUrl);
        var row = page.Locator("#devices tr[data-device='pi-01']");
        await row.Locator("input.budget-j").FillAsync("-3");
        await row.Locator("button.budget-set").ClickAsync();
        await Assertions.Expect(row.Locator(".decision")).ToHaveTextAsync("enter joules per image");
        await row.Locator("input.budget-j").FillAsync("5000000");
        await row.Locator("button.budget-set").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("joulesPerImage 5000000 must be a number in");
        // The reason outlives the page's next poll (which once cleared it within the second).
        string polled = await page.Locator("#summary").TextContentAsync() ?? "";
        await Assertions.Expect(page.Locator("#summary")).Not.ToHaveTextAsync(polled);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("joulesPerImage 5000000 must be a number in");
        (await rig.DeviceAsync("pi-01")).Budget.ShouldBeNull();
        // No package yet: a valid budget is kept for when one is deployed.
        await row.Locator("input.budget-j").FillAsync("2");
        await row.Locator("button.budget-set").ClickAsync();
        await Assertions.Expect(row.Locator("td.budget")).ToHaveTextAsync("2.00 J/image");
        page.Url.ShouldNotContain("token"); // taken out of the address once stored
    }

    [Fact]
    public async Task The_training_jobs_section_shows_each_job_with_its_state_and_its_package_once_harvested()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2];
        var done = await rig.Client.SubmitJobAsync(new TrainingRequest("birds.png", Iterations: 2), png, ct);
        var waiting = await rig.Client.SubmitJobAsync(new TrainingRequest("balloons.png"), png, ct);
        await using (var worker = await TrainingJobQueues.OpenAsync(TrainingJobQueues.SqlitePrefix + Path.Combine(rig.Data, "jobs"), ct: ct))
            await worker.CompleteAsync((await worker.ClaimAsync("trainer-7", TimeSpan.FromMinutes(1), ct))!, rig.Package, ct);
        await using var browser = await Browser.LaunchAsync();

        var page = await browser.OpenAsync(rig.Service.DashboardUrl);

        var row = page.Locator($"#jobs tr[data-job='{done.Id}']");
        await Assertions.Expect(row.Locator("td.state")).ToHaveTextAsync("succeeded", new() { Timeout = 15_000 });
        string sha = (await rig.Client.JobAsync(done.Id, ct)).Package.ShouldNotBeNull();
        await Assertions.Expect(row.Locator("td.package")).ToHaveTextAsync(sha[..12], new() { Timeout = 15_000 });
        await Assertions.Expect(row.Locator("td.worker")).ToHaveTextAsync("trainer-7");
        await Assertions.Expect(row.Locator("td.settings")).ToHaveTextAsync("quick, parallel, 2 it.");
        await Assertions.Expect(page.Locator($"#jobs tr[data-job='{waiting.Id}'] td.state")).ToHaveTextAsync("queued");
        await Assertions.Expect(page.Locator("#jobs tbody tr").First).ToHaveAttributeAsync("data-job", waiting.Id); // newest first
        await Assertions.Expect(page.Locator("#error")).ToBeEmptyAsync();

        // The queued job is cancelled from the page; the finished one offers no cancel.
        (await row.Locator("button.job-cancel").CountAsync()).ShouldBe(0);
        var queued = page.Locator($"#jobs tr[data-job='{waiting.Id}']");
        await queued.Locator("button.job-cancel").ClickAsync();
        await Assertions.Expect(queued.Locator("td.state")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        await Assertions.Expect(queued.Locator("td.error")).ToHaveTextAsync("cancelled by an operator");
        (await rig.Client.JobAsync(waiting.Id, ct)).State.ShouldBe("cancelled");
        await Assertions.Expect(page.Locator("#error")).ToBeEmptyAsync();
    }

    [Fact]
    public async Task A_large_fleet_shows_panels_for_a_few_devices_and_the_operator_picks_which()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        for (int i = 1; i <= 10; i++) await rig.Client.AddDeviceAsync($"pi-{i:00}", [], ct);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(rig.Service.DashboardUrl);

        await Assertions.Expect(page.Locator("#devices tbody tr")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator(".panel")).ToHaveCountAsync(8); // each panel polls the service every second
        await Assertions.Expect(page.Locator("#panels-note")).ToContainTextAsync("8 of 10 devices");
        await page.Locator("#devices tr[data-device='pi-10'] td.id").ClickAsync();
        await Assertions.Expect(page.Locator(".panel[data-device='pi-10']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".panel")).ToHaveCountAsync(8);
        await page.Locator("#devices tr[data-device='pi-10'] td.id").ClickAsync();
        await Assertions.Expect(page.Locator(".panel[data-device='pi-10']")).ToHaveCountAsync(0);
    }
}
