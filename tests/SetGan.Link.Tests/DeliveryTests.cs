using System.Text.Json.Nodes;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;

namespace SetGan.Link.Tests;

/// <summary>Packages named in the twin: downloaded over HTTPS, verified, swapped in, and refused (the old one kept) when anything is wrong.</summary>
public sealed class DeliveryTests
{
    private static JsonObject Desired(PackageReference p, int? k = null) => new()
    {
        ["package"] = p.ToJson(),
        ["k"] = k,
    };

    private static async Task<long> PushAsync(LinkRig rig, JsonObject desired)
    {
        long version = await rig.Hub.UpdateDesiredAsync(LinkRig.Device, desired, TestContext.Current.CancellationToken);
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.DesiredVersion, v => v?.GetValue<long>() == version))).ShouldBeTrue(rig.Output);
        return version;
    }

    private static string? ActiveSha(LinkRig rig) => rig.Reported[TwinProperties.ActivePackage]?["sha256"]?.GetValue<string>();

    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task A_delivered_package_runs_and_tampered_or_foreign_ones_are_refused_while_the_old_one_keeps_running(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: false);
        (await rig.WaitForAsync(() => rig.ReportedIs(TwinProperties.Status, s => s?.GetValue<string>() == "waiting for a package"))).ShouldBeTrue(rig.Output);

        // 1. A good package: fetched, verified, made current, generating.
        var good = rig.Hub.PublishPackage(rig.Package);
        await PushAsync(rig, Desired(good, k: 1));
        rig.Reported[TwinProperties.Rejected].ShouldBeNull(rig.Output);
        ActiveSha(rig).ShouldBe(good.Sha256);
        rig.Reported[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(1);
        string images = Path.Combine(rig.AgentData, "images");
        (await rig.WaitForAsync(() => Directory.Exists(images) && Directory.GetFiles(images, "*-k1-*.png").Length > 0)).ShouldBeTrue(rig.Output);

        // 2. The archive changed on the server after it was named: its SHA-256 does not match.
        var second = rig.Hub.PublishPackage(TestPackages.Write(Path.Combine(rig.Dir, "second"), rig.PrivateKey, seed: 2));
        string tar = Path.Combine(rig.Dir, "hub", "packages", second.Sha256 + ".tar");
        var bytes = File.ReadAllBytes(tar);
        bytes[^700] ^= 0x5A;
        File.WriteAllBytes(tar, bytes);
        long v2 = await PushAsync(rig, Desired(second, k: 2));
        rig.Reported[TwinProperties.Rejected]!["reason"]!.GetValue<string>().ShouldContain("SHA-256");
        ActiveSha(rig).ShouldBe(good.Sha256);
        rig.Reported[TwinProperties.ActiveK]!.GetValue<int>().ShouldBe(1);

        // 3. A well-formed package signed by someone else: its signature does not verify with the device's key.
        var (foreignPriv, _) = PackageSigning.NewKeyPair(Path.Combine(rig.Dir, "foreign-keys"));
        var foreign = rig.Hub.PublishPackage(TestPackages.Write(Path.Combine(rig.Dir, "foreign"), File.ReadAllText(foreignPriv), seed: 3));
        await PushAsync(rig, Desired(foreign, k: 2));
        rig.Reported[TwinProperties.Rejected]!["reason"]!.GetValue<string>().ShouldContain("signature");
        ActiveSha(rig).ShouldBe(good.Sha256);
        Directory.Exists(Path.Combine(rig.AgentData, "packages", foreign.Sha256)).ShouldBeFalse(); // refused packages do not stay

        // Still generating with the good one, at its k.
        int before = Directory.GetFiles(images, "*-k1-*.png").Length;
        (await rig.WaitForAsync(() => Directory.GetFiles(images, "*-k1-*.png").Length > before)).ShouldBeTrue(rig.Output);
        rig.Output.ShouldContain($"Desired properties version {v2} refused");
    }

    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task After_a_restart_without_the_cloud_the_agent_runs_the_package_it_was_given_last(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: false);
        var good = rig.Hub.PublishPackage(rig.Package);
        await PushAsync(rig, Desired(good, k: 0));
        (await rig.StopAgentAsync()).ShouldBe(0, rig.Output);
        await rig.StopCloudAsync(); // the cloud is gone

        rig.StartAgent(withPackage: false);
        string images = Path.Combine(rig.AgentData, "images");
        int before = Directory.GetFiles(images, "*.png").Length;
        bool generating = await rig.WaitForAsync(() => Directory.GetFiles(images, "*.png").Length > before);

        generating.ShouldBeTrue(rig.Output);
        rig.Output.ShouldContain(Path.Combine("packages", good.Sha256));
        Directory.GetFiles(images, "*-k0-*.png").Length.ShouldBeGreaterThan(0); // at the k the cloud set, not the default
    }
}

/// <summary>A new package is measured on the device at once, and the cloud gets the profile of exactly those generators.</summary>
public sealed class ReprofilingTests
{
    [Fact]
    public async Task A_delivered_package_is_profiled_and_its_energy_profile_reported()
    {
        await using var rig = await LinkRig.StartAsync();
        rig.StartAgent(withPackage: false, "--Agent:ProfileNewPackages", "true", "--Agent:ProfileBatches", "2", "--Agent:ProfileBatchSeconds", "0.3",
            "--Agent:ProfileIdleSeconds", "0.3", "--rate", "200");
        var reference = rig.Hub.PublishPackage(rig.Package);
        await rig.Hub.UpdateDesiredAsync(LinkRig.Device, new JsonObject
        {
            ["package"] = reference.ToJson(),
        }, TestContext.Current.CancellationToken);

        string? ModelsOfActive() => rig.Reported[TwinProperties.ActivePackage]?["modelsSha256"]?.GetValue<string>();
        bool profiled = await rig.WaitForAsync(() =>
            ModelsOfActive() is { } models && rig.Reported[TwinProperties.EnergyProfile]?["models_sha256"]?.GetValue<string>() == models, 90);

        profiled.ShouldBeTrue(rig.Output);
        var truncations = rig.Reported[TwinProperties.EnergyProfile]!["truncations"]!.AsArray();
        truncations.Count.ShouldBe(TestPackages.Sizes.Count);
        rig.Reported[TwinProperties.Status]!.GetValue<string>().ShouldBe("running");
    }
}

/// <summary>SAS tokens expire; the agent reconnects with a fresh one before the hub drops it.</summary>
public sealed class TokenRenewalTests
{
    [Fact]
    public async Task The_agent_renews_its_token_before_it_expires_and_keeps_streaming()
    {
        await using var rig = await LinkRig.StartAsync();
        rig.StartAgent(withPackage: true, "--Agent:Link:TokenMinutes", "0.1"); // 6 s tokens, renewed at 4.8 s
        bool renewedTwice = await rig.WaitForAsync(() => System.Text.RegularExpressions.Regex.Matches(rig.Output, "fresh SAS token").Count >= 2, 45);
        long before = rig.Hub.Telemetry.MessageCount(LinkRig.Device);
        bool streaming = await rig.WaitForAsync(() => rig.Hub.Telemetry.MessageCount(LinkRig.Device) > before + 2, 30);

        renewedTwice.ShouldBeTrue(rig.Output);
        streaming.ShouldBeTrue(rig.Output);
        rig.Output.ShouldNotContain("expired"); // never refused: the renewal comes first
    }
}
