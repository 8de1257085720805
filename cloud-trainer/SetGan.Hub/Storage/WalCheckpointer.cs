using Microsoft.Data.Sqlite;

namespace SetGan.Hub;

/// <summary>
/// Copies the hub's write-ahead log into the database file from a connection of its own, so the writer
/// never does. SQLite's automatic checkpoint runs inside a committing transaction and fsyncs there: every
/// few thousand messages the writer, and every device waiting for its PUBACK, stood still for it (the link
/// benchmark ran 15-30 % faster without). Passive checkpoints never block the writer; should the log still
/// outgrow <see cref="MaxWalPages"/> (a writer that never pauses), one that waits for the writer bounds it.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>About 64 MB of log at SQLite's 4 kB pages.</summary>
    public const int MaxWalPages = 16_384;

    private readonly SqliteConnection connection;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly Serilog.ILogger log;

    public WalCheckpointer(string connectionString, TimeSpan every, Serilog.ILogger log)
    {
        this.log = log;
        connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = "PRAGMA busy_timeout = 5000;"; // for the rare checkpoint that waits for the writer
            timeout.ExecuteNonQuery();
        }
        loop = Task.Run(() => RunAsync(every, stop.Token));
    }

    private async Task RunAsync(TimeSpan every, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    var (_, walPages, _) = Checkpoint("PASSIVE");
                    if (walPages > MaxWalPages) Checkpoint("RESTART");
                }
                catch (SqliteException e)
                {
                    // The writer's commits do not depend on this; the next tick tries again.
                    log.Warning("Checkpoint of the hub database failed: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>SQLite's answer: busy (1 when it could not finish), pages in the log, pages copied.</summary>
    private (long Busy, long WalPages, long Copied) Checkpoint(string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public void Dispose()
    {
        stop.Cancel();
        loop.Wait(TimeSpan.FromSeconds(10));
        connection.Dispose();
        stop.Dispose();
    }
}
