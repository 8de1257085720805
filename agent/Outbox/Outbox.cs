using SetGan.Core.Link;
using Microsoft.Data.Sqlite;
using Serilog;

namespace SetGan.Agent.Outbox;

/// <summary>One stored message: its id (the order it was made in), kind, body and creation time.</summary>
public sealed record OutboxMessage(long Id, string Kind, DateTimeOffset Created, byte[] Body);

/// <summary>The outbox has no room left for this message; nothing was stored and nothing was dropped.</summary>
public sealed class OutboxFullException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Store-and-forward: telemetry and images wait in a SQLite file (WAL, synchronous=FULL, so a commit
/// survives SIGKILL and power loss) until the link confirms delivery, oldest first, with ids that
/// give their order. Over the quota, the oldest power batches are thinned first (every other sample
/// kept, down to <see cref="MinimumSamplesPerBatch"/>, each thinning logged and counted in the batch);
/// when nothing is left to thin, new messages are refused with <see cref="OutboxFullException"/>.
/// </summary>
public sealed class Outbox : IDisposable
{
    public const string Power = "power", Image = "image";
    public const int MinimumSamplesPerBatch = 8;
    private readonly SqliteConnection db;
    private readonly long quotaBytes;
    private readonly ILogger log;
    private readonly object gate = new();

    public Outbox(string path, long quotaBytes, ILogger log)
    {
        this.quotaBytes = quotaBytes;
        this.log = log;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS messages (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              kind TEXT NOT NULL,
              created TEXT NOT NULL,
              body BLOB NOT NULL,
              thinned INTEGER NOT NULL DEFAULT 0)
            """);
    }

    /// <summary>Bytes of message bodies waiting.</summary>
    public long PendingBytes { get { lock (gate) return Scalar("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM messages"); } }
    public long PendingCount { get { lock (gate) return Scalar("SELECT COUNT(*) FROM messages"); } }

    /// <summary>Raised after a message is stored (the link wakes up to send it).</summary>
    public event Action? Enqueued;

    /// <summary>Stores a message and returns its id, thinning old power batches first if the quota needs it.</summary>
    public long Enqueue(string kind, byte[] body, DateTimeOffset created)
    {
        long id = Store(kind, body, created);
        Enqueued?.Invoke();
        return id;
    }

    private long Store(string kind, byte[] body, DateTimeOffset created)
    {
        lock (gate)
        {
            long pending = Scalar("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM messages");
            if (pending + body.Length > quotaBytes) MakeRoom(pending + body.Length - quotaBytes);
            try
            {
                using var insert = db.CreateCommand();
                insert.CommandText = "INSERT INTO messages (kind, created, body) VALUES ($kind, $created, $body); SELECT last_insert_rowid();";
                insert.Parameters.AddWithValue("$kind", kind);
                insert.Parameters.AddWithValue("$created", created.ToString("O"));
                insert.Parameters.AddWithValue("$body", body);
                return (long)insert.ExecuteScalar()!;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 13) // SQLITE_FULL
            {
                throw new OutboxFullException($"the disk is full: the outbox cannot store a {kind} message ({e.Message})", e);
            }
        }
    }

    /// <summary>
    /// The oldest waiting messages, in order: at most <paramref name="max"/>, and no more after
    /// <paramref name="maxBytes"/> of bodies (the first always comes). Images are ~175 KB each: a
    /// backlog read 64 at a time held 11 MB of them at once and took a draining agent over its memory goal.
    /// </summary>
    public IReadOnlyList<OutboxMessage> Peek(int max, long maxBytes = 1 << 20)
    {
        lock (gate)
        {
            using var select = db.CreateCommand();
            select.CommandText = "SELECT id, kind, created, body FROM messages ORDER BY id LIMIT $max";
            select.Parameters.AddWithValue("$max", max);
            using var reader = select.ExecuteReader();
            var result = new List<OutboxMessage>();
            long bytes = 0;
            while (bytes < maxBytes && reader.Read())
            {
                var message = new OutboxMessage(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture), (byte[])reader[3]);
                result.Add(message);
                bytes += message.Body.Length;
            }
            return result;
        }
    }

    /// <summary>The link confirmed these: they leave the outbox.</summary>
    public void Acknowledge(IEnumerable<long> ids)
    {
        lock (gate)
        {
            using var transaction = db.BeginTransaction();
            using var delete = db.CreateCommand();
            delete.CommandText = "DELETE FROM messages WHERE id = $id";
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            foreach (long i in ids) { id.Value = i; delete.ExecuteNonQuery(); }
            transaction.Commit();
        }
    }

    /// <summary>Halves the oldest power batches until <paramref name="needed"/> bytes are free; refuses when it cannot.</summary>
    private void MakeRoom(long needed)
    {
        long freed = 0;
        using var select = db.CreateCommand();
        select.CommandText = "SELECT id, body FROM messages WHERE kind = 'power' ORDER BY id";
        var batches = new List<(long Id, byte[] Body)>();
        using (var reader = select.ExecuteReader())
            while (reader.Read()) batches.Add((reader.GetInt64(0), (byte[])reader[1]));
        foreach (var (id, body) in batches)
        {
            if (freed >= needed) break;
            var batch = PowerBatch.Decode(body);
            if (batch.Samples.Count <= MinimumSamplesPerBatch) continue;
            var thinned = batch.Thin();
            byte[] smaller = thinned.Encode();
            using var update = db.CreateCommand();
            update.CommandText = "UPDATE messages SET body = $body, thinned = thinned + 1 WHERE id = $id";
            update.Parameters.AddWithValue("$body", smaller);
            update.Parameters.AddWithValue("$id", id);
            update.ExecuteNonQuery();
            freed += body.Length - smaller.Length;
            log.Warning("Outbox over its quota: power batch {Id} thinned from {Before} to {After} samples (kept every other one)", id, batch.Samples.Count, thinned.Samples.Count);
        }
        if (freed < needed)
            throw new OutboxFullException($"the outbox is full ({quotaBytes} bytes) and its power batches are thinned as far as they go; the message waits until the link delivers");
    }

    private void Execute(string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public void Dispose() => db.Dispose();
}
