using System.Text.Json;
using Microsoft.Data.Sqlite;
using SetGan.Core.Link;

namespace SetGan.Fleet.Jobs;

/// <summary>
/// The in-process backend: DIR/jobs.db holds the jobs; DIR/images/{id}/ the submitted images and
/// DIR/packages/{id}.{lease}.tar the results (the model store). Every change is one immediate
/// (write-locked) transaction, so workers in several processes on the same folder cannot both claim
/// a job; the lease token in the row is the proof of ownership that Renew/Complete/Fail check.
/// </summary>
public sealed class SqliteJobQueue : ITrainingJobQueue
{
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();
    private readonly string folder;
    private readonly TrainingJobQueueOptions options;
    private readonly Serilog.ILogger log;

    private SqliteJobQueue(string folder, TrainingJobQueueOptions options, Serilog.ILogger log)
    {
        (this.folder, this.options, this.log) = (folder, options, log);
        Directory.CreateDirectory(folder);
        // No pooling: disposing the queue must release the file (tests reopen the same folder).
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "jobs.db"), Pooling = false }.ToString());
        connection.Open();
        // The service and every `setgan fleet worker` share this file: a writer that meets another waits in SQLite's busy
        // handler (milliseconds) rather than in Microsoft.Data.Sqlite's fixed 150 ms sleep between retries.
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;", null);
        Execute("""
            CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, request TEXT NOT NULL, state TEXT NOT NULL, submitted INTEGER NOT NULL,
                worker TEXT, started INTEGER, finished INTEGER, progress TEXT, error TEXT, attempts INTEGER NOT NULL,
                lease TEXT, lease_until INTEGER, package TEXT);
            -- rowid breaks ties in submission order (two jobs in one millisecond)
            CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs (state, submitted);
            """, null);
    }

    public static SqliteJobQueue Open(string folder, TrainingJobQueueOptions options, Serilog.ILogger log) =>
        new(Path.GetFullPath(folder), options, log);

    public string Describe => TrainingJobQueues.SqlitePrefix + folder;

    public Task<TrainingJob> SubmitAsync(TrainingRequest request, byte[] image, CancellationToken ct = default)
    {
        request.Validate(image);
        var now = DateTimeOffset.UtcNow;
        var job = new TrainingJob(JobIds.New(now), request, JobState.Queued, now, null, null, null, null, null, 0);
        // The image first: a row never points at a missing file.
        string dir = Directory.CreateDirectory(Path.Combine(folder, "images", job.Id)).FullName;
        File.WriteAllBytes(Path.Combine(dir, request.ImageFileName), image);
        lock (gate)
            Execute("INSERT INTO jobs (id, request, state, submitted, attempts) VALUES ($id, $request, $state, $submitted, 0)", null,
                ("$id", job.Id), ("$request", JsonSerializer.Serialize(request, JobJson.Default.TrainingRequest)), ("$state", nameof(JobState.Queued)),
                ("$submitted", now.ToUnixTimeMilliseconds()));
        log.Information("Job {Job} queued: {Image}, preset {Preset}, mode {Mode}", job.Id, request.ImageName, request.Preset, request.Mode);
        return Task.FromResult(job);
    }

    public Task<IReadOnlyList<TrainingJob>> ListAsync(CancellationToken ct = default)
    {
        lock (gate) return Task.FromResult<IReadOnlyList<TrainingJob>>(Query("SELECT * FROM jobs ORDER BY submitted, rowid", null).Select(r => r.Job).ToList());
    }

    public Task<TrainingJob?> GetAsync(string id, CancellationToken ct = default)
    {
        lock (gate) return Task.FromResult(Query("SELECT * FROM jobs WHERE id = $id", null, ("$id", id)).FirstOrDefault()?.Job);
    }

    public Task<JobLease?> ClaimAsync(string worker, TimeSpan lease, CancellationToken ct = default)
    {
        var now = DateTimeOffset.UtcNow;
        string token = Guid.NewGuid().ToString("N");
        lock (gate)
        {
            using var tx = connection.BeginTransaction(); // BEGIN IMMEDIATE: the write lock before reading, so two processes cannot claim the same row
            var candidates = Query("SELECT * FROM jobs WHERE state = 'Queued' OR (state = 'Running' AND lease_until < $now) ORDER BY submitted, rowid", tx,
                ("$now", now.ToUnixTimeMilliseconds()));
            foreach (var row in candidates)
            {
                string? reason = row.Unreadable ?? (row.Job.Attempts >= options.MaxAttempts
                    ? $"gave up after {row.Job.Attempts} attempts: the lease expired each time (its worker stopped or died while training)"
                    : null);
                if (reason is not null)
                {
                    Execute("UPDATE jobs SET state = 'Failed', error = $error, finished = $now, lease = NULL WHERE id = $id", tx,
                        ("$error", reason), ("$now", now.ToUnixTimeMilliseconds()), ("$id", row.Job.Id));
                    log.Warning("Job {Job} failed: {Reason}", row.Job.Id, reason);
                    continue;
                }
                string imagePath = Path.Combine(folder, "images", row.Job.Id, row.Job.Request.ImageFileName);
                if (!File.Exists(imagePath))
                {
                    Execute("UPDATE jobs SET state = 'Failed', error = $error, finished = $now, lease = NULL WHERE id = $id", tx,
                        ("$error", $"its image {imagePath} is missing"), ("$now", now.ToUnixTimeMilliseconds()), ("$id", row.Job.Id));
                    log.Warning("Job {Job} failed: its image {Path} is missing", row.Job.Id, imagePath);
                    continue;
                }
                var job = row.Job with { State = JobState.Running, Worker = worker, Started = now, Progress = null, Attempts = row.Job.Attempts + 1 };
                Execute("UPDATE jobs SET state = 'Running', worker = $worker, started = $now, progress = NULL, attempts = $attempts, lease = $lease, lease_until = $until WHERE id = $id", tx,
                    ("$worker", worker), ("$now", now.ToUnixTimeMilliseconds()), ("$attempts", job.Attempts), ("$lease", token),
                    ("$until", (now + lease).ToUnixTimeMilliseconds()), ("$id", job.Id));
                tx.Commit();
                log.Information("Job {Job} claimed by {Worker} (attempt {Attempt})", job.Id, worker, job.Attempts);
                return Task.FromResult<JobLease?>(new JobLease(job, File.ReadAllBytes(imagePath), token, lease, null));
            }
            tx.Commit();
            return Task.FromResult<JobLease?>(null);
        }
    }

    public Task RenewAsync(JobLease lease, string? progress, CancellationToken ct = default)
    {
        var until = DateTimeOffset.UtcNow + lease.Duration;
        lock (gate)
            Owned(lease, "UPDATE jobs SET progress = $progress, lease_until = $until WHERE id = $id AND lease = $lease AND state = 'Running'",
                ("$progress", progress), ("$until", until.ToUnixTimeMilliseconds()));
        lease.Expires = until;
        return Task.CompletedTask;
    }

    public Task CompleteAsync(JobLease lease, string packageFolder, CancellationToken ct = default)
    {
        // Named by the lease: a worker that lost its lease cannot overwrite the winner's package.
        string name = $"{lease.Job.Id}.{lease.Token}.tar", tar = Path.Combine(Directory.CreateDirectory(Path.Combine(folder, "packages")).FullName, name);
        PackageArchive.Create(packageFolder, tar);
        try
        {
            lock (gate)
                Owned(lease, "UPDATE jobs SET state = 'Succeeded', finished = $now, package = $package, progress = NULL, lease = NULL WHERE id = $id AND lease = $lease AND state = 'Running'",
                    ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("$package", name));
        }
        catch (LeaseLostException)
        {
            File.Delete(tar);
            throw;
        }
        log.Information("Job {Job} succeeded: package {Package}", lease.Job.Id, tar);
        return Task.CompletedTask;
    }

    public Task FailAsync(JobLease lease, string reason, CancellationToken ct = default)
    {
        lock (gate)
            Owned(lease, "UPDATE jobs SET state = 'Failed', finished = $now, error = $error, lease = NULL WHERE id = $id AND lease = $lease AND state = 'Running'",
                ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("$error", reason));
        log.Warning("Job {Job} failed: {Reason}", lease.Job.Id, reason);
        return Task.CompletedTask;
    }

    public Task<TrainingJob> CancelAsync(string id, string reason, CancellationToken ct = default)
    {
        TrainingJob cancelled;
        lock (gate)
        {
            int changed = Execute("UPDATE jobs SET state = 'Cancelled', finished = $now, error = $error, progress = NULL, lease = NULL WHERE id = $id AND state IN ('Queued', 'Running')", null,
                ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("$error", reason), ("$id", id));
            cancelled = Query("SELECT * FROM jobs WHERE id = $id", null, ("$id", id)).FirstOrDefault()?.Job ?? throw new KeyNotFoundException($"no training job '{id}'");
            if (changed == 0) throw JobRefusals.NotCancellable(cancelled);
        }
        log.Information("Job {Job} cancelled: {Reason}", id, reason);
        return Task.FromResult(cancelled);
    }

    public Task<string> DownloadPackageAsync(string id, string destinationFolder, CancellationToken ct = default)
    {
        Row row;
        lock (gate) row = Query("SELECT * FROM jobs WHERE id = $id", null, ("$id", id)).FirstOrDefault() ?? throw new KeyNotFoundException($"no job '{id}'");
        if (row.Job.State != JobState.Succeeded || row.Package is null)
            throw new InvalidOperationException($"job {id} is {row.Job.State.ToString().ToLowerInvariant()}: only a succeeded job has a package");
        string target = Path.Combine(Path.GetFullPath(destinationFolder), id);
        Directory.CreateDirectory(destinationFolder);
        PackageArchive.Extract(Path.Combine(folder, "packages", row.Package), target);
        return Task.FromResult(target);
    }

    /// <summary>Runs an update that only the lease's holder may make; none matched means the lease is gone.</summary>
    private void Owned(JobLease lease, string sql, params (string, object?)[] args)
    {
        if (Execute(sql, null, [("$id", lease.Job.Id), ("$lease", lease.Token), .. args]) == 1) return;
        var now = Query("SELECT * FROM jobs WHERE id = $id", null, ("$id", lease.Job.Id)).FirstOrDefault()?.Job;
        throw now is null ? new LeaseLostException(lease.Job.Id, "the job is gone") : JobRefusals.LeaseLost(now);
    }

    private sealed record Row(TrainingJob Job, string? Unreadable, string? Package);

    private List<Row> Query(string sql, SqliteTransaction? tx, params (string, object?)[] args)
    {
        using var command = Command(sql, tx, args);
        using var r = command.ExecuteReader();
        var rows = new List<Row>();
        static DateTimeOffset? Time(SqliteDataReader r, string c) => r.IsDBNull(r.GetOrdinal(c)) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(r.GetOrdinal(c)));
        static string? Text(SqliteDataReader r, string c) => r.IsDBNull(r.GetOrdinal(c)) ? null : r.GetString(r.GetOrdinal(c));
        while (r.Read())
        {
            string id = r.GetString(r.GetOrdinal("id"));
            var submitted = Time(r, "submitted")!.Value;
            var request = JobJson.ReadRequest(r.GetString(r.GetOrdinal("request")), out string? error);
            if (request is null || !Enum.TryParse<JobState>(Text(r, "state"), out var state))
            {
                string why = $"its stored request cannot be read: {error ?? "state " + Text(r, "state")}";
                // Already marked failed with its own reason: keep that reason.
                rows.Add(new(TrainingJob.Unreadable(id, Text(r, "state") == nameof(JobState.Failed) ? Text(r, "error") ?? why : why, submitted),
                    Text(r, "state") == nameof(JobState.Failed) ? null : why, null));
                continue;
            }
            rows.Add(new(new TrainingJob(id, request, state, submitted, Text(r, "worker"), Time(r, "started"), Time(r, "finished"),
                Text(r, "progress"), Text(r, "error"), r.GetInt32(r.GetOrdinal("attempts"))), null, Text(r, "package")));
        }
        return rows;
    }

    private int Execute(string sql, SqliteTransaction? tx, params (string, object?)[] args)
    {
        using var command = Command(sql, tx, args);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx, (string Name, object? Value)[] args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in args) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public ValueTask DisposeAsync()
    {
        lock (gate) connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
