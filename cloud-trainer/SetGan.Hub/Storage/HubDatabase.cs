using Microsoft.Data.Sqlite;

namespace SetGan.Hub;

/// <summary>
/// The hub's SQLite file (devices, twins, telemetry): one connection, one writer at a time. Every
/// change a device is acknowledged for is committed before its PUBACK goes out, so a hub that dies
/// loses nothing a device believes delivered. Telemetry goes through <see cref="InBatchAsync{T}"/>:
/// whatever arrived while the last commit ran is written in one transaction (group commit), because
/// one transaction per message held the hub to ~4,000 messages a second (docs/benchmarks.md). Work that needs
/// no database (decoding, formatting) belongs on the caller's thread, before <see cref="InBatchAsync{T}"/>.
/// </summary>
internal sealed class HubDatabase : IDisposable
{
    private const int MaxBatch = 512;
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();
    private readonly System.Threading.Channels.Channel<IBatchItem> batch =
        System.Threading.Channels.Channel.CreateUnbounded<IBatchItem>(new() { SingleReader = true });
    private readonly Task writer;
    private readonly WalCheckpointer checkpointer;

    public HubDatabase(string path, Serilog.ILogger? log = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // No pooling: disposing the hub must release the file (tests restart the hub on the same folder).
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        // busy_timeout: while the checkpointer's RESTART holds the log (about once a second at 10,000 msg/s), SQLite's own
        // busy handler retries within milliseconds. Without it SQLite returns BUSY at once and Microsoft.Data.Sqlite sleeps
        // 150 ms before trying again, stalling every device's PUBACK: the link benchmark's max latency went from 160 ms to 50.
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 5000;");
        Execute(Schema);
        checkpointer = new WalCheckpointer(connection.ConnectionString, TimeSpan.FromMilliseconds(500), log ?? Serilog.Core.Logger.None);
        writer = Task.Run(WriteBatchesAsync);
    }

    private interface IBatchItem
    {
        /// <summary>Runs the work in the transaction; false when it threw (its changes are then undone only if <paramref name="savepoint"/>).</summary>
        bool Run(SqliteConnection c, SqliteTransaction tx, bool savepoint);
        void Done();
        void Fail(Exception e);
    }

    private sealed class BatchItem<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IBatchItem
    {
        private T result = default!;
        private Exception? failure;
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Run(SqliteConnection c, SqliteTransaction tx, bool savepoint)
        {
            failure = null;
            if (savepoint) tx.Save("item");
            try
            {
                result = work(c, tx);
                if (savepoint) tx.Release("item");
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (savepoint)
                {
                    tx.Rollback("item");
                    tx.Release("item");
                }
                failure = e;
                return false;
            }
        }
        public void Done() { if (failure is null) Completion.TrySetResult(result); else Completion.TrySetException(failure); }
        public void Fail(Exception e) => Completion.TrySetException(e);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the next group commit; the task completes once its transaction is
    /// committed (so the caller may acknowledge), or fails with the work's own exception.
    /// </summary>
    public Task<T> InBatchAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var item = new BatchItem<T>(work);
        if (!batch.Writer.TryWrite(item)) item.Fail(new ObjectDisposedException(nameof(HubDatabase), "the hub is stopping"));
        return item.Completion.Task;
    }

    private async Task WriteBatchesAsync()
    {
        var items = new List<IBatchItem>(MaxBatch);
        while (await batch.Reader.WaitToReadAsync())
        {
            items.Clear();
            while (items.Count < MaxBatch && batch.Reader.TryRead(out var item)) items.Add(item);
            try
            {
                lock (gate)
                {
                    // Optimistic: one transaction with no savepoints (two statements less per message). Should one
                    // message fail, the batch is undone and run again with a savepoint each, so only that one fails.
                    if (!RunAll(items, savepoints: false)) RunAll(items, savepoints: true);
                }
                foreach (var item in items) item.Done();
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException or ObjectDisposedException)
            {
                foreach (var item in items) item.Fail(e); // nothing committed: none of them is acknowledged
            }
        }
    }

    private bool RunAll(List<IBatchItem> items, bool savepoints)
    {
        using var tx = connection.BeginTransaction();
        foreach (var item in items)
            if (!item.Run(connection, tx, savepoints) && !savepoints)
            {
                tx.Rollback();
                return false;
            }
        tx.Commit();
        return true;
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, primary_key TEXT NOT NULL, enabled INTEGER NOT NULL, created TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS enrollment_groups (name TEXT PRIMARY KEY, group_key TEXT NOT NULL, desired TEXT NOT NULL, created TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS group_members (device TEXT PRIMARY KEY, grp TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS device_tags (device TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (device, tag));
        CREATE TABLE IF NOT EXISTS twins (device TEXT PRIMARY KEY, desired TEXT NOT NULL, desired_version INTEGER NOT NULL,
            reported TEXT NOT NULL, reported_version INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS messages_seen (device TEXT NOT NULL, mid TEXT NOT NULL, received TEXT NOT NULL, PRIMARY KEY (device, mid));
        CREATE TABLE IF NOT EXISTS power_batches (id INTEGER PRIMARY KEY, device TEXT NOT NULL, mid TEXT, source TEXT NOT NULL,
            estimated INTEGER NOT NULL, start TEXT NOT NULL, samples INTEGER NOT NULL, thinned INTEGER NOT NULL, body BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS power_batches_device ON power_batches (device, start);
        CREATE TABLE IF NOT EXISTS image_chunks (device TEXT NOT NULL, image TEXT NOT NULL, chunk INTEGER NOT NULL, chunks INTEGER NOT NULL,
            bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (device, image, chunk));
        CREATE TABLE IF NOT EXISTS images (device TEXT NOT NULL, image TEXT NOT NULL, k INTEGER NOT NULL, seed INTEGER NOT NULL,
            time TEXT NOT NULL, seconds REAL NOT NULL, joules REAL, estimated INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
            received TEXT NOT NULL, PRIMARY KEY (device, image));
        """;

    /// <summary>Runs <paramref name="work"/> alone, inside one transaction that commits when it returns.</summary>
    public T InTransaction<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        lock (gate)
        {
            using var tx = connection.BeginTransaction();
            T result = work(connection, tx);
            tx.Commit();
            return result;
        }
    }

    public void InTransaction(Action<SqliteConnection, SqliteTransaction> work) =>
        InTransaction((c, tx) => { work(c, tx); return 0; });

    public T Read<T>(Func<SqliteConnection, T> query)
    {
        lock (gate) return query(connection);
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        batch.Writer.TryComplete();
        writer.Wait(TimeSpan.FromSeconds(10)); // what is queued is committed (and acknowledged) before the file closes
        checkpointer.Dispose(); // first: closing the last connection then checkpoints the rest and removes the log
        lock (gate)
        {
            SqliteCommands.ReleasePrepared(connection);
            connection.Dispose();
        }
    }
}

/// <summary>Terse parameterised commands.</summary>
internal static class SqliteCommands
{
    public static SqliteCommand Command(this SqliteConnection c, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] args)
    {
        var command = c.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in args) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Prepared = new();

    /// <summary>
    /// For the statements every message runs: prepared once per connection and reused (preparing the SQL
    /// again for each message was a large part of the hub's cost). Callers hold the database's lock.
    /// </summary>
    public static int ExecutePrepared(this SqliteConnection c, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] args)
    {
        var cache = Prepared.GetOrCreateValue(c);
        if (!cache.TryGetValue(sql, out var command))
        {
            command = c.Command(sql, tx, args);
            command.Prepare();
            cache[sql] = command;
        }
        else
        {
            command.Transaction = tx;
            foreach (var (name, value) in args) command.Parameters[name].Value = value ?? DBNull.Value;
        }
        return command.ExecuteNonQuery();
    }

    public static void ReleasePrepared(SqliteConnection c)
    {
        if (!Prepared.TryGetValue(c, out var cache)) return;
        foreach (var command in cache.Values) command.Dispose();
        Prepared.Remove(c);
    }

    public static int Execute(this SqliteConnection c, string sql, SqliteTransaction? tx, params (string, object?)[] args)
    {
        using var command = c.Command(sql, tx, args);
        return command.ExecuteNonQuery();
    }

    public static List<T> Query<T>(this SqliteConnection c, string sql, Func<SqliteDataReader, T> row, params (string, object?)[] args)
    {
        using var command = c.Command(sql, null, args);
        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read()) result.Add(row(reader));
        return result;
    }

    public static List<T> Query<T>(this SqliteConnection c, SqliteTransaction tx, string sql, Func<SqliteDataReader, T> row, params (string, object?)[] args)
    {
        using var command = c.Command(sql, tx, args);
        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read()) result.Add(row(reader));
        return result;
    }
}
