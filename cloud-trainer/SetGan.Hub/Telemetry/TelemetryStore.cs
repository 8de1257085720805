using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>
/// Device-to-cloud messages in SQLite (and images as files). A message id seen before is dropped, because
/// the agent re-sends whatever was not acknowledged when a link broke. Image chunks wait in SQLite
/// until the set is whole (so a restart keeps them), then the image is checked and written once.
/// </summary>
public sealed partial class TelemetryStore
{
    private readonly HubDatabase db;
    private readonly string imagesFolder;
    private readonly Serilog.ILogger log;

    internal TelemetryStore(HubDatabase db, string imagesFolder, Serilog.ILogger log) => (this.db, this.imagesFolder, this.log) = (db, imagesFolder, log);

    /// <summary>Larger claims are refused before any chunk is stored: a device cannot make the hub hoard bytes.</summary>
    public const long MaxImageBytes = 64L << 20;

    internal sealed record Outcome(bool Duplicate, ImageRecord? Image = null);

    /// <summary>Stores one message (seen-id, then what its kind says to keep) in the next group commit; completes once committed.</summary>
    internal Task<Outcome> AcceptAsync(string device, string? mid, IReadOnlyDictionary<string, string> properties, byte[] body)
    {
        // Everything that needs no database is done here, on the caller's thread: the writer is one thread for all devices.
        string? kind = properties.GetValueOrDefault(MessageProperties.Kind);
        var power = kind == MessageProperties.PowerKind ? ReadPower(device, mid, body) : null;
        string received = DateTimeOffset.UtcNow.ToString("O");
        return db.InBatchAsync((c, tx) =>
        {
            if (mid is not null && c.ExecutePrepared("INSERT OR IGNORE INTO messages_seen (device, mid, received) VALUES ($d, $m, $t)", tx,
                    ("$d", device), ("$m", mid), ("$t", received)) == 0)
                return new Outcome(Duplicate: true);
            if (power is { } batch) StorePower(c, tx, device, mid, batch, body);
            else if (kind == MessageProperties.ImageKind) return new Outcome(false, StoreChunk(c, tx, device, mid, properties, body));
            return new Outcome(false);
        });
    }

    private PowerBatchHeader? ReadPower(string device, string? mid, byte[] body)
    {
        try { return PowerBatchHeader.Read(body); }
        catch (JsonException e)
        {
            log.Warning("Power batch {Mid} from {Device} is not a PowerBatch ({Reason}); dropped", mid, device, e.Message);
            return null;
        }
    }

    private static void StorePower(SqliteConnection c, SqliteTransaction tx, string device, string? mid, PowerBatchHeader batch, byte[] body) =>
        c.ExecutePrepared("""
            INSERT INTO power_batches (device, mid, source, estimated, start, samples, thinned, body)
            VALUES ($d, $m, $s, $e, $f, $n, $th, $b)
            """, tx, ("$d", device), ("$m", mid), ("$s", batch.Source), ("$e", batch.Estimated ? 1 : 0),
            ("$f", batch.From.ToString("O")), ("$n", batch.Samples), ("$th", batch.Thinned), ("$b", body));

    private ImageRecord? StoreChunk(SqliteConnection c, SqliteTransaction tx, string device, string? mid, IReadOnlyDictionary<string, string> properties, byte[] body)
    {
        var header = ImageChunkHeader.Parse(properties, out string? error);
        if (header is not null && !SafeImageId().IsMatch(header.ImageId)) error = $"image id '{header.ImageId}' is not a safe file name";
        if (header is not null && (header.Bytes > MaxImageBytes || header.Chunks > Math.Max(1, header.Bytes)))
            error = $"{header.Bytes} bytes in {header.Chunks} chunks is not a plausible image";
        if (header is null || error is not null)
        {
            log.Warning("Image chunk {Mid} from {Device} refused: {Reason}", mid, device, error);
            return null;
        }
        string id = header.ImageId;
        if (c.Query(tx, "SELECT 1 FROM images WHERE device = $d AND image = $i", _ => 1, ("$d", device), ("$i", id)).Count > 0)
            return null; // a chunk re-sent after the image was complete
        var others = c.Query(tx, "SELECT DISTINCT chunks, bytes, sha256 FROM image_chunks WHERE device = $d AND image = $i",
            r => (Chunks: r.GetInt32(0), Bytes: r.GetInt64(1), Sha: r.GetString(2)), ("$d", device), ("$i", id));
        if (others.Any(o => o != (header.Chunks, header.Bytes, header.Sha256)))
        {
            log.Warning("Image chunk {Chunk} of {Image} from {Device} refused: it claims {Chunks} chunks, {Bytes} bytes, SHA-256 {Sha}, unlike the chunks before it",
                header.Chunk, id, device, header.Chunks, header.Bytes, header.Sha256);
            return null;
        }
        c.Execute("""
            INSERT OR IGNORE INTO image_chunks (device, image, chunk, chunks, bytes, sha256, body) VALUES ($d, $i, $n, $of, $b, $s, $body)
            """, tx, ("$d", device), ("$i", id), ("$n", header.Chunk), ("$of", header.Chunks), ("$b", header.Bytes), ("$s", header.Sha256), ("$body", body));
        var parts = c.Query(tx, "SELECT body FROM image_chunks WHERE device = $d AND image = $i ORDER BY chunk",
            r => (byte[])r.GetValue(0), ("$d", device), ("$i", id));
        return parts.Count == header.Chunks ? Complete(c, tx, device, header, parts) : null;
    }

    private ImageRecord? Complete(SqliteConnection c, SqliteTransaction tx, string device, ImageChunkHeader header, List<byte[]> parts)
    {
        c.Execute("DELETE FROM image_chunks WHERE device = $d AND image = $i", tx, ("$d", device), ("$i", header.ImageId));
        byte[] image = parts.SelectMany(p => p).ToArray();
        string sha = Convert.ToHexStringLower(SHA256.HashData(image));
        if (image.Length != header.Bytes || sha != header.Sha256)
        {
            log.Warning("Image {Image} from {Device} rejected: its {Chunks} chunks make {Bytes} bytes with SHA-256 {Sha}, but it claims {ClaimedBytes} bytes with SHA-256 {ClaimedSha}",
                header.ImageId, device, header.Chunks, image.Length, sha, header.Bytes, header.Sha256);
            return null;
        }
        string folder = Path.Combine(imagesFolder, device), path = Path.Combine(folder, header.ImageId + ".png");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(path + ".tmp", image);
        File.Move(path + ".tmp", path, overwrite: true);
        var record = new ImageRecord(device, header.ImageId, header.K, header.Seed, header.Time, header.Seconds, header.Joules, header.EnergyEstimated, path, sha);
        c.Execute("""
            INSERT OR REPLACE INTO images (device, image, k, seed, time, seconds, joules, estimated, path, sha256, received)
            VALUES ($d, $i, $k, $seed, $t, $s, $j, $e, $p, $sha, $now)
            """, tx, ("$d", device), ("$i", header.ImageId), ("$k", header.K), ("$seed", header.Seed), ("$t", header.Time.ToString("O")),
            ("$s", header.Seconds), ("$j", header.Joules), ("$e", header.EnergyEstimated ? 1 : 0), ("$p", path), ("$sha", sha),
            ("$now", DateTimeOffset.UtcNow.ToString("O")));
        log.Information("Image {Image} from {Device}: {Bytes} bytes, k = {K}, seed {Seed}", header.ImageId, device, image.Length, header.K, header.Seed);
        return record;
    }

    /// <summary>Samples received from a device, counting each batch as it arrived (thinned batches count what they hold).</summary>
    public long PowerSampleCount(string device) =>
        db.Read(c => c.Query("SELECT COALESCE(SUM(samples), 0) FROM power_batches WHERE device = $d", r => r.GetInt64(0), ("$d", device)).Single());

    public IReadOnlyList<PowerBatchRecord> PowerBatches(string device) =>
        db.Read(c => c.Query("SELECT device, mid, source, estimated, start, samples, thinned, body FROM power_batches WHERE device = $d ORDER BY start, id",
            r => new PowerBatchRecord(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt64(3) != 0,
                DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture), r.GetInt32(5), r.GetInt32(6), (byte[])r.GetValue(7)),
            ("$d", device)));

    public IReadOnlyList<ImageRecord> Images(string device) =>
        db.Read(c => c.Query("SELECT device, image, k, seed, time, seconds, joules, estimated, path, sha256 FROM images WHERE device = $d ORDER BY time, image",
            ImageRow, ("$d", device)));

    /// <summary>The device's newest <paramref name="latest"/> images, oldest first, without reading its whole history (a device makes one a minute for months).</summary>
    public IReadOnlyList<ImageRecord> Images(string device, int latest) =>
        db.Read(c => c.Query("SELECT device, image, k, seed, time, seconds, joules, estimated, path, sha256 FROM images WHERE device = $d ORDER BY time DESC, image DESC LIMIT $n",
            ImageRow, ("$d", device), ("$n", latest))).AsEnumerable().Reverse().ToList();

    public int ImageCount(string device) =>
        db.Read(c => c.Query("SELECT COUNT(*) FROM images WHERE device = $d", r => r.GetInt32(0), ("$d", device)).Single());

    /// <summary>Images per device that sent any, in one query for the fleet rather than one per device.</summary>
    public IReadOnlyDictionary<string, int> ImageCounts() =>
        db.Read(c => c.Query("SELECT device, COUNT(*) FROM images GROUP BY device", r => (Device: r.GetString(0), Count: r.GetInt32(1)))).ToDictionary(p => p.Device, p => p.Count);

    /// <summary>
    /// Per device that sent images, in one query for the fleet: how many, the newest one's k and time, and the mean energy
    /// of its newest <paramref name="recent"/> images at that k that carry a figure (an image shorter than the sensor's interval has none).
    /// </summary>
    public IReadOnlyDictionary<string, ImageSummary> ImageSummaries(int recent) =>
        db.Read(c => c.Query("""
            WITH ranked AS (SELECT device, k, time, joules, ROW_NUMBER() OVER (PARTITION BY device ORDER BY time DESC, image DESC) AS n,
                                   COUNT(*) OVER (PARTITION BY device) AS total FROM images)
            SELECT r.device, MAX(r.total), newest.k, newest.time, AVG(CASE WHEN r.k = newest.k THEN r.joules END)
            FROM ranked r JOIN ranked newest ON newest.device = r.device AND newest.n = 1
            WHERE r.n <= $recent GROUP BY r.device
            """, r => new ImageSummary(r.GetString(0), r.GetInt32(1), r.GetInt32(2), DateTimeOffset.Parse(r.GetString(3), CultureInfo.InvariantCulture),
                r.IsDBNull(4) ? null : r.GetDouble(4)), ("$recent", recent)))
            .ToDictionary(s => s.Device);

    public ImageRecord? Image(string device, string imageId) =>
        db.Read(c => c.Query("SELECT device, image, k, seed, time, seconds, joules, estimated, path, sha256 FROM images WHERE device = $d AND image = $i",
            ImageRow, ("$d", device), ("$i", imageId))).SingleOrDefault();

    /// <summary>Chunks held for images not yet whole, by image id.</summary>
    public IReadOnlyDictionary<string, int> PendingChunks(string device) =>
        db.Read(c => c.Query("SELECT image, COUNT(*) FROM image_chunks WHERE device = $d GROUP BY image",
            r => (Image: r.GetString(0), Count: r.GetInt32(1)), ("$d", device))).ToDictionary(p => p.Image, p => p.Count);

    /// <summary>How many distinct message ids of the device were taken in (each once, however often it was sent).</summary>
    public long MessageCount(string device) =>
        db.Read(c => c.Query("SELECT COUNT(*) FROM messages_seen WHERE device = $d", r => r.GetInt64(0), ("$d", device)).Single());

    private static ImageRecord ImageRow(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3),
        DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture), r.GetDouble(5), r.IsDBNull(6) ? null : r.GetDouble(6),
        r.GetInt64(7) != 0, r.GetString(8), r.GetString(9));

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeImageId();
}
