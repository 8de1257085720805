using System.Globalization;
using SetGan.Core.Link;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>
/// Sends what waits in the outbox, oldest first, and removes each message only once the hub has
/// acknowledged it (QoS 1 PUBACK). Message ids come from the outbox row and its time, so a message
/// sent again after a lost connection carries the same id and the hub stores it once.
/// Images go as chunks within the 256 KB message limit.
/// </summary>
public sealed class OutboxSender(Outbox.Outbox outbox, ILogger log)
{
    public long MessagesSent { get; private set; }
    public long BytesSent { get; private set; }

    /// <summary>Sends up to <paramref name="max"/> messages; returns how many left the outbox.</summary>
    public async Task<int> SendAsync(DeviceClient client, int max, CancellationToken ct)
    {
        var batch = outbox.Peek(max);
        var done = new List<long>();
        try
        {
            foreach (var message in batch)
            {
                ct.ThrowIfCancellationRequested();
                if (message.Kind == Outbox.Outbox.Image) await SendImageAsync(client, message, ct);
                else await SendPowerAsync(client, message, ct);
                done.Add(message.Id);
            }
        }
        finally
        {
            if (done.Count > 0) outbox.Acknowledge(done); // what the hub confirmed leaves, even if a later send failed
        }
        return done.Count;
    }

    private static string Stamp(Outbox.OutboxMessage m) => $"{m.Created.UtcDateTime:yyyyMMddTHHmmssfff}-{m.Id.ToString(CultureInfo.InvariantCulture)}";

    private async Task SendPowerAsync(DeviceClient client, Outbox.OutboxMessage message, CancellationToken ct)
    {
        await client.SendTelemetryAsync(
        [
            new(MessageProperties.MessageId, $"p-{Stamp(message)}"),
            new(MessageProperties.ContentType, "application/json"),
            new(MessageProperties.ContentEncoding, "utf-8"),
            new(MessageProperties.Kind, MessageProperties.PowerKind),
        ], message.Body, ct);
        Count(message.Body.Length);
    }

    private async Task SendImageAsync(DeviceClient client, Outbox.OutboxMessage message, CancellationToken ct)
    {
        Outbox.ImageMessage image;
        try { image = Outbox.ImageMessage.Decode(message.Body); }
        catch (InvalidDataException e)
        {
            // Acknowledged: it can never be sent, and it would block everything behind it.
            log.Error("Outbox image {Id} is unreadable and is not sent: {Reason}", message.Id, e.Message);
            return;
        }
        string imageId = Stamp(message);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image.Png));
        int chunks = ImageChunks.Count(image.Png.Length), index = 0;
        foreach (var chunk in ImageChunks.Split(image.Png))
        {
            var header = new ImageChunkHeader(imageId, index, chunks, image.Png.Length, sha, image.K, image.Seed, image.Time, image.Seconds, image.Joules, image.EnergyEstimated);
            var properties = header.Properties().Prepend(new(MessageProperties.ContentType, "image/png")).Prepend(new(MessageProperties.MessageId, $"i-{imageId}-{index}"));
            await client.SendTelemetryAsync(properties, chunk, ct);
            Count(chunk.Length);
            index++;
        }
    }

    private void Count(int bytes)
    {
        MessagesSent++;
        BytesSent += bytes;
    }
}
