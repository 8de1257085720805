using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>One device-to-cloud message, after de-duplication: who sent it, its id ($.mid), kind and properties.</summary>
public sealed record TelemetryEvent(string DeviceId, string? MessageId, string? Kind, IReadOnlyDictionary<string, string> Properties, byte[] Body);

/// <summary>A whole image received from a device, written to <see cref="Path"/> after its bytes and SHA-256 checked out.</summary>
public sealed record ImageRecord(string Device, string ImageId, int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules,
    bool EnergyEstimated, string Path, string Sha256);

/// <summary>A device's images at a glance: how many, the newest one's k and time, the mean joules of its recent images at that k.</summary>
public sealed record ImageSummary(string Device, int Count, int LatestK, DateTimeOffset LatestTime, double? RecentJoules);

/// <summary>A stored power batch: its metadata as columns (for queries) and the message body as received.</summary>
public sealed record PowerBatchRecord(string Device, string? MessageId, string Source, bool Estimated, DateTimeOffset From, int Samples, int Thinned, byte[] Body)
{
    public PowerBatch Decode() => PowerBatch.Decode(Body);
}
