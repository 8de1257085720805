using System.Diagnostics;
using SetGan.Core.Link;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Tests;

/// <summary>`setgan hub` and `setgan devices`: the operator's view of the embedded hub.</summary>
public sealed class HubCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-hubcmd-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Data => Path.Combine(dir, "hub");

    [Fact]
    public async Task Adding_a_device_before_the_hub_ever_ran_says_so_and_registers_nothing()
    {
        var add = await SetGanProcess.RunAsync("devices", "add", "pi-01", "--data", Data);
        add.ExitCode.ShouldBe(1, add.Stderr);
        add.Stderr.ShouldContain("has not started yet");
        var list = await SetGanProcess.RunAsync("devices", "list", "--data", Data);
        list.Stdout.ShouldNotContain("pi-01");
    }

    [Fact]
    public async Task A_running_hub_gives_devices_connection_strings_that_pin_its_certificate()
    {
        using var hub = SetGanProcess.Start("hub", "--data", Data, "--mqtt-port", "0", "--https-port", "0");
        string banner = await SetGanProcess.ReadUntilAsync(hub, "Ctrl+C");

        var add = await SetGanProcess.RunAsync("devices", "add", "pi-01", "--data", Data);
        var again = await SetGanProcess.RunAsync("devices", "add", "pi-01", "--data", Data);
        var disable = await SetGanProcess.RunAsync("devices", "disable", "pi-01", "--data", Data);
        var list = await SetGanProcess.RunAsync("devices", "list", "--data", Data);
        var enroll = await SetGanProcess.RunAsync("fleet", "enroll", "--group", "pis", "--watts", "3.5", "--images-per-minute", "12", "--data", Data);
        var enrollAgain = await SetGanProcess.RunAsync("fleet", "enroll", "--group", "pis", "--data", Data);
        var badBudget = await SetGanProcess.RunAsync("fleet", "enroll", "--group", "pis", "--watts", "-1", "--data", Data);
        ProcessStop.Interrupt(hub);
        await hub.WaitForExitAsync(TestContext.Current.CancellationToken);

        add.ExitCode.ShouldBe(0, add.Stderr);
        var cs = DeviceConnectionString.Parse(add.Stdout.Trim());
        cs.DeviceId.ShouldBe("pi-01");
        banner.ShouldContain($"certificate SHA-256 {cs.CertificateSha256}");
        banner.ShouldContain($"MQTT/TLS on {cs.Port}");
        again.ExitCode.ShouldBe(1);
        again.Stderr.ShouldContain("registered already");
        disable.Stdout.ShouldContain("disabled");
        list.Stdout.ShouldContain("pi-01");
        list.Stdout.ShouldContain("no");
        hub.ExitCode.ShouldBe(0);
        enroll.ExitCode.ShouldBe(0, enroll.Stderr);
        string envLine = enroll.Stdout.Split('\n').Single(l => l.StartsWith("SETGAN_Agent__Link__ConnectionString="));
        var template = DeviceConnectionString.Parse(envLine["SETGAN_Agent__Link__ConnectionString=".Length..].Trim());
        template.GroupKey.ShouldNotBeNull();
        template.CertificateSha256.ShouldBe(cs.CertificateSha256);
        enroll.Stdout.ShouldContain("\"watts\":3.5");
        enrollAgain.Stdout.ShouldContain(template.GroupKey!); // the same group, the same key
        badBudget.ExitCode.ShouldBe(1);
        badBudget.Stderr.ShouldContain("budget.watts -1");
    }

    [Fact]
    public async Task Edge_manifest_writes_a_deployment_with_the_groups_key_for_the_hub_devices_reach()
    {
        using var hub = SetGanProcess.Start("hub", "--data", Data, "--host", "hub.example.net", "--mqtt-port", "0", "--https-port", "0");
        await SetGanProcess.ReadUntilAsync(hub, "Ctrl+C");
        ProcessStop.Interrupt(hub);
        await hub.WaitForExitAsync(TestContext.Current.CancellationToken);
        string output = Path.Combine(dir, "deployment.json");

        var written = await SetGanProcess.RunAsync("fleet", "edge-manifest", "--image", "myregistry.azurecr.io/setgan-agent:0.1.0", "--group", "pis",
            "--i2c-gid", "998", "--data", Data, "--out", output);
        var noGid = await SetGanProcess.RunAsync("fleet", "edge-manifest", "--image", "myregistry.azurecr.io/setgan-agent:0.1.0", "--group", "pis", "--data", Data);
        var enroll = await SetGanProcess.RunAsync("fleet", "enroll", "--group", "pis", "--data", Data);

        written.ExitCode.ShouldBe(0, written.Stderr);
        written.Stdout.ShouldContain("az iot edge deployment create");
        var module = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(output))!["modulesContent"]!["$edgeAgent"]!["properties.desired"]!["modules"]!["setgan-agent"]!;
        module["settings"]!["image"]!.GetValue<string>().ShouldBe("myregistry.azurecr.io/setgan-agent:0.1.0");
        var cs = DeviceConnectionString.Parse(module["env"]!["SETGAN_Agent__Link__ConnectionString"]!["value"]!.GetValue<string>(), "pi-0042");
        cs.HostName.ShouldBe("hub.example.net");
        cs.SharedAccessKey.ShouldBeNull();
        enroll.Stdout.ShouldContain(cs.GroupKey!); // the group's key, the one `fleet enroll` puts on images
        noGid.ExitCode.ShouldBe(1);
        noGid.Stderr.ShouldContain("getent group i2c");
    }
}
