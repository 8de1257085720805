using System.Security.Cryptography;
using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>Device-to-cloud messages: stored once per message id, power batches by sample, images reassembled and checked.</summary>
public sealed class TelemetryTests() : HubTest("pi-01")
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);



    private static byte[] Batch(int samples) =>
        new PowerBatch("pi-01", "ina219", false, T0, 0, Enumerable.Range(0, samples).Select(i => new PowerBatch.Row(i * 0.01, 5, 0.6, 3)).ToList()).Encode();

    private static (string, string)[] Power(string mid) => [(MessageProperties.MessageId, mid), (MessageProperties.Kind, MessageProperties.PowerKind)];

    [Fact]
    public async Task A_message_sent_again_with_the_same_id_is_stored_and_announced_once()
    {
        var received = new List<TelemetryEvent>();
        f.Hub.TelemetryReceived += e => { lock (received) received.Add(e); };
        await using (var device = await f.ConnectAsync("pi-01"))
        {
            await device.SendTelemetryAsync(Batch(10), Power("m-1"));
            await device.SendTelemetryAsync(Batch(5), Power("m-2"));
        }
        // After a reconnect the agent re-sends what it had not seen acknowledged.
        await using (var again = await f.ConnectAsync("pi-01"))
            await again.SendTelemetryAsync(Batch(10), Power("m-1"));

        f.Hub.Telemetry.PowerSampleCount("pi-01").ShouldBe(15);
        f.Hub.Telemetry.PowerBatches("pi-01").Select(b => (b.MessageId, b.Samples)).ShouldBe([("m-1", 10), ("m-2", 5)], ignoreOrder: true);
        f.Hub.Telemetry.PowerBatches("pi-01")[0].Decode().Source.ShouldBe("ina219");
        received.Select(e => (e.DeviceId, e.MessageId, e.Kind)).ShouldBe([("pi-01", "m-1", "power"), ("pi-01", "m-2", "power")]);
    }

    private static IEnumerable<(byte[] Body, (string, string)[] Properties)> Chunks(byte[] image, string imageId, int chunkBytes, string? claimedSha = null)
    {
        var parts = ImageChunks.Split(image, chunkBytes).ToList();
        string sha = claimedSha ?? Convert.ToHexStringLower(SHA256.HashData(image));
        for (int i = 0; i < parts.Count; i++)
        {
            var header = new ImageChunkHeader(imageId, i, parts.Count, image.Length, sha, 3, 42, T0, 0.25, 1.5, false);
            yield return (parts[i].ToArray(), [(MessageProperties.MessageId, $"{imageId}-{i}"), .. header.Properties().Select(p => (p.Key, p.Value))]);
        }
    }

    [Fact]
    public async Task Image_chunks_out_of_order_and_repeated_reassemble_to_the_exact_image()
    {
        byte[] image = RandomNumberGenerator.GetBytes(3500);
        var chunks = Chunks(image, "img-1", 1000).ToList();
        var images = new List<ImageRecord>();
        f.Hub.ImageReceived += r => { lock (images) images.Add(r); };
        await using var device = await f.ConnectAsync("pi-01");

        foreach (int i in new[] { 2, 0, 3, 0 }) await device.SendTelemetryAsync(chunks[i].Body, chunks[i].Properties);
        var resentUnderNewId = chunks[3].Properties.Select(p => p.Item1 == MessageProperties.MessageId ? (p.Item1, "other-id") : p).ToArray();
        await device.SendTelemetryAsync(chunks[3].Body, resentUnderNewId);
        images.ShouldBeEmpty();
        await device.SendTelemetryAsync(chunks[1].Body, chunks[1].Properties);

        var record = images.ShouldHaveSingleItem();
        record.ShouldSatisfyAllConditions(
            r => (r.Device, r.ImageId, r.K, r.Seed, r.Time, r.Seconds, r.Joules, r.EnergyEstimated).ShouldBe(("pi-01", "img-1", 3, 42, T0, 0.25, (double?)1.5, false)),
            r => r.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(image))),
            r => r.Path.ShouldBe(Path.Combine(f.DataDir, "images", "pi-01", "img-1.png")));
        File.ReadAllBytes(record.Path).ShouldBe(image);
        f.Hub.Telemetry.Images("pi-01").ShouldBe([record]);
        f.Hub.Telemetry.PendingChunks("pi-01").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_chunk_set_whose_bytes_do_not_match_the_claimed_SHA_256_is_rejected_with_the_reason_logged()
    {
        byte[] image = RandomNumberGenerator.GetBytes(2500);
        byte[] tampered = image.ToArray();
        tampered[1234] ^= 0xFF;
        var chunks = Chunks(tampered, "img-bad", 1000, claimedSha: Convert.ToHexStringLower(SHA256.HashData(image))).ToList();
        var images = new List<ImageRecord>();
        f.Hub.ImageReceived += r => { lock (images) images.Add(r); };
        await using var device = await f.ConnectAsync("pi-01");

        foreach (var (body, properties) in chunks) await device.SendTelemetryAsync(body, properties);

        images.ShouldBeEmpty();
        f.Hub.Telemetry.Images("pi-01").ShouldBeEmpty();
        f.Hub.Telemetry.PendingChunks("pi-01").ShouldBeEmpty();
        File.Exists(Path.Combine(f.DataDir, "images", "pi-01", "img-bad.png")).ShouldBeFalse();
        await f.Log.WaitForAsync("img-bad", "rejected", "SHA-256");
        device.Client.IsConnected.ShouldBeTrue();
    }

    [Fact]
    public async Task Chunks_received_before_a_hub_restart_complete_the_image_after_it()
    {
        byte[] image = RandomNumberGenerator.GetBytes(3000);
        var chunks = Chunks(image, "img-2", 1000).ToList();
        await using (var device = await f.ConnectAsync("pi-01"))
            foreach (int i in new[] { 0, 2 }) await device.SendTelemetryAsync(chunks[i].Body, chunks[i].Properties);

        await f.RestartAsync();
        f.Hub.Telemetry.PendingChunks("pi-01").ShouldBe(new Dictionary<string, int> { ["img-2"] = 2 });
        await using (var device = await f.ConnectAsync("pi-01"))
            await device.SendTelemetryAsync(chunks[1].Body, chunks[1].Properties);

        File.ReadAllBytes(f.Hub.Telemetry.Image("pi-01", "img-2")!.Path).ShouldBe(image);
    }

    [Fact]
    public async Task A_chunk_with_a_malformed_header_is_acknowledged_but_refused_with_the_reason_logged()
    {
        await using var device = await f.ConnectAsync("pi-01");

        await device.SendTelemetryAsync([1, 2], (MessageProperties.MessageId, "x-1"), (MessageProperties.Kind, MessageProperties.ImageKind), (MessageProperties.ImageId, "../../etc"));

        f.Hub.Telemetry.PendingChunks("pi-01").ShouldBeEmpty();
        await f.Log.WaitForAsync("x-1", "refused", "'chunks' is missing");
    }
}
