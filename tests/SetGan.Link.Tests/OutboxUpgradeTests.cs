using System.Text.Json;
using SetGan.Agent.Outbox;
using SetGan.Core.Imaging;

namespace SetGan.Link.Tests;

/// <summary>An agent updated over an outbox that an older agent filled sends what it can read and drops, with the reason, what it cannot.</summary>
public sealed class OutboxUpgradeTests
{
    [Fact]
    public async Task Images_an_older_agent_left_in_the_outbox_arrive_after_an_update_and_an_unreadable_one_is_dropped_with_the_reason()
    {
        await using var rig = await LinkRig.StartAsync();
        var time = DateTimeOffset.UtcNow.AddMinutes(-5);
        byte[] png = ImageFile.EncodePng(new RgbImage(24, 16));
        // Before 2026-11-27 an image waited as one JSON document with its PNG in base64.
        byte[] legacy = JsonSerializer.SerializeToUtf8Bytes(new ImageMessage(LinkRig.Device, 2, 7, time, 0.1, 0.25, true, png), ImageMessageJson.Default.ImageMessage);
        byte[] torn = [.. "SGI1"u8, 0xFF, 0x00, 0x00, 0x00, .. "{\"device\""u8]; // says 255 bytes of metadata, has 9
        using (var outbox = new Outbox(Path.Combine(rig.AgentData, "outbox.db"), 1 << 30, Serilog.Core.Logger.None))
        {
            outbox.Enqueue(Outbox.Image, torn, time);
            outbox.Enqueue(Outbox.Image, legacy, time.AddSeconds(1));
        }

        rig.StartAgent(withPackage: false);
        bool arrived = await rig.WaitForAsync(() => rig.Hub.Telemetry.Images(LinkRig.Device).Count >= 1);
        (await rig.StopAgentAsync()).ShouldBe(0, rig.Output);

        arrived.ShouldBeTrue(rig.Output);
        var image = rig.Hub.Telemetry.Images(LinkRig.Device).ShouldHaveSingleItem();
        File.ReadAllBytes(image.Path).ShouldBe(png);
        (image.K, image.Seed, image.Joules).ShouldBe((2, 7, 0.25));
        rig.Output.ShouldContain("is unreadable and is not sent: the image message says its metadata is 255 bytes, but the body has 9");
        rig.OutboxLeft().Where(m => m.Kind == Outbox.Image).ShouldBeEmpty(); // both left it: one sent, one dropped
    }
}
