using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SetGan.Core.Link;
using SetGan.Fleet.Client;
using SetGan.Fleet.Service;

namespace SetGan.Fleet.Tests;

/// <summary>The operators' API refuses what it cannot use with the reason, and loses nothing it holds.</summary>
public sealed class FleetApiTests
{
    private static HttpClient Http(FleetRig rig, string? token)
    {
        var http = new HttpClient { BaseAddress = rig.Service.Url };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task Without_the_admin_token_nothing_is_read_or_changed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.Client.AddDeviceAsync("pi-01", [], ct);
        foreach (string? token in (string?[])[null, "0123456789abcdef0123456789abcdef0123456789abcdef"])
        {
            using var http = Http(rig, token);
            var list = await http.GetAsync("api/devices", ct);
            list.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await list.Content.ReadAsStringAsync(ct)).ShouldContain("admin token");
            var budget = await http.PostAsync("api/budget", new StringContent("""{"device":"pi-01","joulesPerImage":2}""", Encoding.UTF8, "application/json"), ct);
            budget.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        (await rig.DeviceAsync("pi-01")).Budget.ShouldBeNull();
        using var page = Http(rig, null);
        (await page.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.OK); // the page itself holds no data
    }

    [Fact]
    public async Task Bad_budgets_and_deployments_are_refused_with_the_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.Client.AddDeviceAsync("pi-01", ["lab"], ct);

        async Task<string> Refused(Func<Task> call, int status)
        {
            var e = await Should.ThrowAsync<FleetApiException>(call);
            e.Status.ShouldBe(status, e.Message);
            return e.Message;
        }
        (await Refused(() => rig.Client.SetBudgetAsync(new BudgetRequest(null, null, 2, null, null), ct), 400)).ShouldContain("name one device or one tag");
        (await Refused(() => rig.Client.SetBudgetAsync(new BudgetRequest("pi-01", null, null, 3, null), ct), 400)).ShouldContain("watts with imagesPerMinute");
        (await Refused(() => rig.Client.SetBudgetAsync(new BudgetRequest("pi-01", null, -1, null, null), ct), 400)).ShouldContain("joulesPerImage -1 must be a number in");
        (await Refused(() => rig.Client.SetBudgetAsync(new BudgetRequest("pi-99", null, 2, null, null), ct), 404)).ShouldContain("'pi-99' is not registered");
        (await Refused(() => rig.Client.SetBudgetAsync(new BudgetRequest(null, "nowhere", 2, null, null), ct), 404)).ShouldContain("no device carries the tag 'nowhere'");
        (await Refused(() => rig.Client.DeployAsync(new DeployRequest("abcdef0123", null, "lab"), ct), 404)).ShouldContain("no published package");

        using var http = Http(rig, rig.Service.Token);
        var malformed = await http.PostAsync("api/budget", new StringContent("""{"device": "pi-01", "joulesPerImage": "lots"}""", Encoding.UTF8, "application/json"), ct);
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await malformed.Content.ReadAsStringAsync(ct)).ShouldContain("bad request");
        (await rig.DeviceAsync("pi-01")).Budget.ShouldBeNull();
    }

    [Fact]
    public async Task A_tampered_or_foreign_package_never_enters_the_model_store()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        string tampered = Path.Combine(rig.Dir, "tampered");
        Directory.CreateDirectory(tampered);
        foreach (string file in Directory.GetFiles(rig.Package)) File.Copy(file, Path.Combine(tampered, Path.GetFileName(file)));
        string onnx = Directory.GetFiles(tampered, "*.onnx").Order().Last();
        var bytes = File.ReadAllBytes(onnx);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(onnx, bytes);

        var e = await Should.ThrowAsync<FleetApiException>(() => rig.Client.PublishAsync(tampered, ct));
        e.Status.ShouldBe(400);
        e.Message.ShouldContain($"{Path.GetFileName(onnx)}: its SHA-256 does not match the manifest");

        using var http = Http(rig, rig.Service.Token);
        var garbage = await http.PostAsync("api/packages", new ByteArrayContent(Encoding.ASCII.GetBytes("not a tar at all")), ct);
        garbage.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await garbage.Content.ReadAsStringAsync(ct)).ShouldContain("error");

        Directory.GetDirectories(rig.Service.Options.ModelsDir).ShouldBeEmpty(); // nothing half-added, no staging left behind
        (await rig.Client.PackagesAsync(ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_restarted_service_still_has_its_packages_tags_and_budgets()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await FleetRig.StartAsync();
        await rig.Client.AddDeviceAsync("pi-01", ["lab"], ct);
        string sha = await rig.Client.PublishAsync(rig.Package, ct);
        var stored = await rig.Client.SetBudgetAsync(new BudgetRequest(null, "lab", 2.5, null, null), ct);
        stored.Single().Reason.ShouldContain("no package deployed yet");

        await rig.RestartServiceAsync();

        (await rig.Client.PackagesAsync(ct)).Single().Sha256.ShouldBe(sha);
        var device = await rig.DeviceAsync("pi-01");
        device.Tags.ShouldBe(["lab"]);
        device.Budget!["joulesPerImage"]!.GetValue<double>().ShouldBe(2.5);
        // The stored budget is used when a package arrives (the board is unknown until the device reports it, so the plan says why).
        var deployed = await Should.ThrowAsync<FleetApiException>(() => rig.Client.DeployAsync(new DeployRequest(sha[..10], "pi-01", null), ct));
        deployed.Message.ShouldContain("neither an energy profile for this package nor a board profile");
    }
}
