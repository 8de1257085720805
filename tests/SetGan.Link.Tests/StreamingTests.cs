using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SetGan.Agent.Outbox;
using SetGan.Core.Link;

namespace SetGan.Link.Tests;

/// <summary>Power samples and images reach the hub exactly once, across the hub going away and coming back mid-stream.</summary>
public sealed partial class StreamingTests
{
    [Theory]
    [InlineData("local")]
    [InlineData("mqtt")]
    public async Task Ten_thousand_samples_and_fifty_images_all_arrive_once_across_a_hub_restart(string mode)
    {
        await using var rig = await LinkRig.StartAsync(mode);
        rig.StartAgent(withPackage: true, "--sensor", "emulated-ina219", "--rate", "1000", "--Agent:ImagesPerMinute", "600", "--Agent:PowerBatchSeconds", "0.5");
        (await rig.WaitForAsync(() => rig.Hub.Telemetry.PowerSampleCount(LinkRig.Device) >= 3000, 90)).ShouldBeTrue(rig.Output);

        await rig.RestartBrokerAsync(down: TimeSpan.FromSeconds(3)); // everything sensed meanwhile waits in the outbox
        bool all = await rig.WaitForAsync(() => rig.Hub.Telemetry.PowerSampleCount(LinkRig.Device) >= 10_000 && rig.Hub.Telemetry.Images(LinkRig.Device).Count >= 50, 120);
        (await rig.StopAgentAsync()).ShouldBe(0, rig.Output);

        all.ShouldBeTrue(rig.Output);
        rig.Output.ShouldContain("reconnecting"); // it did lose the hub
        var left = rig.OutboxLeft();

        // Power: what the agent stored is what the hub holds plus what still waits, and the hub holds nothing twice.
        // (A message the hub stored whose PUBACK the stop cut off is also still waiting: at least once, so it
        // is counted once here, and the hub drops it by its id when it comes again.)
        long stored = long.Parse(StoredSamples().Match(rig.Output).Groups[1].Value);
        var batches = rig.Hub.Telemetry.PowerBatches(LinkRig.Device).Select(b => b.Decode()).ToList();
        var leftBatches = left.Where(m => m.Kind == "power").Select(m => PowerBatch.Decode(m.Body)).ToList();
        batches.Select(b => b.From).Distinct().Count().ShouldBe(batches.Count);
        var everyBatch = batches.Concat(leftBatches).DistinctBy(b => b.From).ToList();
        everyBatch.Sum(b => (long)b.Samples.Count).ShouldBe(stored);
        var times = everyBatch.SelectMany(b => b.Samples.Select(s => b.From.AddSeconds(s.T))).ToList();
        times.Distinct().Count().ShouldBe(times.Count);

        // Images: every image the agent wrote is at the hub (byte for byte) or still waiting; none twice.
        var hubImages = rig.Hub.Telemetry.Images(LinkRig.Device);
        hubImages.Select(i => i.ImageId).Distinct().Count().ShouldBe(hubImages.Count);
        hubImages.ShouldAllBe(i => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(i.Path))) == i.Sha256);
        var waiting = left.Where(m => m.Kind == "image").Select(m => ImageMessage.Decode(m.Body).Png);
        hubImages.Select(i => i.Sha256).Distinct().Count().ShouldBe(hubImages.Count);
        var arrivedOrWaiting = hubImages.Select(i => i.Sha256).Union(waiting.Select(p => Convert.ToHexStringLower(SHA256.HashData(p)))).ToList();
        var written = Directory.GetFiles(Path.Combine(rig.AgentData, "images"), "*.png").Select(f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))).ToList();
        written.Distinct().Count().ShouldBe(written.Count); // every image differs (its own seed), so the SHA-256 names it
        arrivedOrWaiting.Order().ShouldBe(written.Order());
    }

    [GeneratedRegex(@"Power sensing stopped: (\d+) samples stored")]
    private static partial Regex StoredSamples();
}
