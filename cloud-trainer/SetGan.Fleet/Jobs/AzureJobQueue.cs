using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SetGan.Core.Link;

namespace SetGan.Fleet.Jobs;

/// <summary>
/// The shared backend, for several trainer machines: an Azure Storage queue of job ids and a blob
/// container with jobs/{id}/job.json (the <see cref="JobRecord"/>), jobs/{id}/image.* and
/// jobs/{id}/package.{lease}.tar (the model store).
/// <para>
/// The queue schedules: a claim receives a message with the lease as its visibility timeout, a renewal
/// extends it, and a message whose worker stopped reappears by itself. job.json decides: every change
/// is written with If-Match on the ETag read, and names the lease that holds the job, so of two workers
/// that both believe they hold a job only one write wins and the other sees <see cref="LeaseLostException"/>.
/// A message is dropped (logged) when it is not a job id, its job.json is missing or unreadable, or
/// its job has already ended; a job claimed more than MaxAttempts times fails as a poison job.
/// </para>
/// </summary>
public sealed class AzureJobQueue : ITrainingJobQueue
{
    private const string JobFile = "job.json";
    private readonly QueueClient queue;
    private readonly BlobContainerClient container;
    private readonly TrainingJobQueueOptions options;
    private readonly Serilog.ILogger log;

    private AzureJobQueue(QueueClient queue, BlobContainerClient container, TrainingJobQueueOptions options, Serilog.ILogger log) =>
        (this.queue, this.container, this.options, this.log) = (queue, container, options, log);

    /// <summary>The receipt of the queue message held and the ETag of this lease's last job.json write.</summary>
    private sealed class Hold(string messageId, string popReceipt)
    {
        public string MessageId { get; } = messageId;
        public string PopReceipt { get; set; } = popReceipt;
    }

    public static async Task<AzureJobQueue> OpenAsync(string connectionString, TrainingJobQueueOptions options, Serilog.ILogger log, CancellationToken ct)
    {
        QueueClient queue;
        BlobContainerClient container;
        try
        {
            queue = new QueueClient(connectionString, options.QueueName);
            container = new BlobContainerClient(connectionString, options.ContainerName);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentException($"the Azure Storage connection string cannot be used: {e.Message}", e);
        }
        try
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            await container.CreateIfNotExistsAsync(cancellationToken: ct);
        }
        catch (RequestFailedException e)
        {
            throw new InvalidOperationException($"Azure Storage account {queue.AccountName} refused queue '{options.QueueName}' or container '{options.ContainerName}': {e.Status} {e.ErrorCode}", e);
        }
        return new AzureJobQueue(queue, container, options, log);
    }

    public string Describe => $"{TrainingJobQueues.AzurePrefix}{queue.AccountName}/{queue.Name}";

    private BlobClient Blob(string id, string name) => container.GetBlobClient($"jobs/{id}/{name}");

    public async Task<TrainingJob> SubmitAsync(TrainingRequest request, byte[] image, CancellationToken ct = default)
    {
        request.Validate(image);
        var now = DateTimeOffset.UtcNow;
        var job = new TrainingJob(JobIds.New(now), request, JobState.Queued, now, null, null, null, null, null, 0);
        await Blob(job.Id, request.ImageFileName).UploadAsync(new BinaryData(image), overwrite: true, ct);
        await Blob(job.Id, JobFile).UploadAsync(Serialize(new JobRecord(job, null, null)),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, ct);
        try
        {
            await queue.SendMessageAsync(job.Id, ct);
        }
        catch
        {
            // Without its message nobody would ever claim it: the submission fails as a whole.
            await Blob(job.Id, JobFile).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
        log.Information("Job {Job} queued in {Queue}: {Image}, preset {Preset}, mode {Mode}", job.Id, Describe, request.ImageName, request.Preset, request.Mode);
        return job;
    }

    public async Task<IReadOnlyList<TrainingJob>> ListAsync(CancellationToken ct = default)
    {
        var jobs = new List<TrainingJob>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "jobs/" }, ct))
        {
            string[] parts = item.Name.Split('/');
            if (parts.Length == 3 && parts[2] == JobFile && await GetAsync(parts[1], ct) is { } job) jobs.Add(job);
        }
        return jobs.OrderBy(j => j.Submitted).ThenBy(j => j.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<TrainingJob?> GetAsync(string id, CancellationToken ct = default)
    {
        var stored = await ReadAsync(id, ct);
        return stored switch
        {
            null => null,
            { Record: { } r } => r.Job,
            // Listed where it was submitted (its id says when, to the second), not where it was damaged (the blob's Last-Modified).
            { Error: var error } => TrainingJob.Unreadable(id, $"its {JobFile} cannot be read: {error}", JobIds.Submitted(id)),
        };
    }

    public async Task<JobLease?> ClaimAsync(string worker, TimeSpan lease, CancellationToken ct = default)
    {
        var visibility = Visibility(lease);
        while (true)
        {
            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(1, visibility, ct)).Value;
            if (messages.Length == 0) return null;
            if (await TryClaimAsync(messages[0], worker, lease, ct) is { } claimed) return claimed;
        }
    }

    private async Task<JobLease?> TryClaimAsync(QueueMessage message, string worker, TimeSpan duration, CancellationToken ct)
    {
        string id = message.Body.ToString();
        if (!JobIds.IsValid(id)) return await DropAsync(message, $"'{Shorten(id)}' is not a job id");
        string token = Guid.NewGuid().ToString("N");
        string? poison = null;
        var changed = await ChangeAsync(id, r =>
        {
            if (r.Job.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled) return null;
            int attempts = Math.Max(r.Job.Attempts, (int)message.DequeueCount - 1);
            if (attempts >= options.MaxAttempts)
            {
                poison = $"gave up after {attempts} attempts: the lease expired each time (its worker stopped or died while training)";
                return r with { Job = r.Job with { State = JobState.Failed, Finished = DateTimeOffset.UtcNow, Error = poison }, Lease = null };
            }
            poison = null;
            var now = DateTimeOffset.UtcNow;
            return r with { Job = r.Job with { State = JobState.Running, Worker = worker, Started = now, Progress = null, Attempts = attempts + 1 }, Lease = token };
        }, ct);
        switch (changed)
        {
            case { Missing: true }: return await DropAsync(message, $"job {id} has no {JobFile}");
            case { Error: { } error }: return await DropAsync(message, $"the {JobFile} of job {id} cannot be read: {error}");
            case { Record: var r } when r!.Lease != token:
                if (poison is not null) log.Warning("Job {Job} failed: {Reason}", id, poison);
                else log.Debug("Dropped the queue message of job {Job}: it is {State} already", id, r.Job.State);
                await DeleteMessageAsync(message.MessageId, message.PopReceipt);
                return null;
        }
        var job = changed.Record!.Job;
        var lease = new JobLease(job, [], token, duration, new Hold(message.MessageId, message.PopReceipt));
        try
        {
            var image = (await Blob(id, job.Request.ImageFileName).DownloadContentAsync(ct)).Value.Content.ToArray();
            log.Information("Job {Job} claimed by {Worker} (attempt {Attempt})", id, worker, job.Attempts);
            return new JobLease(job, image, token, duration, lease.Handle);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await FailAsync(lease, $"its image {job.Request.ImageFileName} is missing from the container", ct);
            return null;
        }
    }

    public async Task RenewAsync(JobLease lease, string? progress, CancellationToken ct = default)
    {
        var hold = (Hold)lease.Handle!;
        try
        {
            var receipt = await queue.UpdateMessageAsync(hold.MessageId, hold.PopReceipt, lease.Job.Id, Visibility(lease.Duration), ct);
            hold.PopReceipt = receipt.Value.PopReceipt;
        }
        catch (RequestFailedException e) when (IsTakenOver(e))
        {
            throw new LeaseLostException(lease.Job.Id, "its queue message was received by another worker after the lease expired");
        }
        await ChangeOwnedAsync(lease, r => r with { Job = r.Job with { Progress = progress } }, ct);
        lease.Expires = DateTimeOffset.UtcNow + lease.Duration;
    }

    public async Task CompleteAsync(JobLease lease, string packageFolder, CancellationToken ct = default)
    {
        // Named by the lease: a worker that lost its lease cannot overwrite the winner's package.
        string name = $"package.{lease.Token}.tar", tar = Path.Combine(Path.GetTempPath(), $"setgan-{lease.Job.Id}.{lease.Token}.tar");
        try
        {
            PackageArchive.Create(packageFolder, tar);
            await Blob(lease.Job.Id, name).UploadAsync(tar, overwrite: true, ct);
        }
        finally
        {
            File.Delete(tar);
        }
        try
        {
            await ChangeOwnedAsync(lease, r => r with { Job = r.Job with { State = JobState.Succeeded, Finished = DateTimeOffset.UtcNow, Progress = null }, Lease = null, Package = name }, ct);
        }
        catch (LeaseLostException)
        {
            await Blob(lease.Job.Id, name).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
        await DeleteMessageAsync(((Hold)lease.Handle!).MessageId, ((Hold)lease.Handle!).PopReceipt);
        log.Information("Job {Job} succeeded: package {Package}", lease.Job.Id, Blob(lease.Job.Id, name).Uri);
    }

    public async Task FailAsync(JobLease lease, string reason, CancellationToken ct = default)
    {
        await ChangeOwnedAsync(lease, r => r with { Job = r.Job with { State = JobState.Failed, Finished = DateTimeOffset.UtcNow, Error = reason }, Lease = null }, ct);
        await DeleteMessageAsync(((Hold)lease.Handle!).MessageId, ((Hold)lease.Handle!).PopReceipt);
        log.Warning("Job {Job} failed: {Reason}", lease.Job.Id, reason);
    }

    public async Task<TrainingJob> CancelAsync(string id, string reason, CancellationToken ct = default)
    {
        // Its queue message stays: whoever receives it next finds the job cancelled and deletes it (TryClaimAsync).
        JobState? was = null; // as last read: a write that lost a race reads and decides again
        var stored = JobIds.IsValid(id) ? await ChangeAsync(id, r =>
        {
            was = r.Job.State;
            return r.Job.State is JobState.Queued or JobState.Running
                ? r with { Job = r.Job with { State = JobState.Cancelled, Finished = DateTimeOffset.UtcNow, Error = reason, Progress = null }, Lease = null }
                : null;
        }, ct) : null;
        if (stored is null or { Missing: true }) throw new KeyNotFoundException($"no training job '{id}'");
        var job = stored.Record?.Job ?? throw new InvalidOperationException($"job {id}: its {JobFile} cannot be read: {stored.Error}");
        if (was is not (JobState.Queued or JobState.Running)) throw JobRefusals.NotCancellable(job);
        log.Information("Job {Job} cancelled: {Reason}", id, reason);
        return job;
    }

    public async Task<string> DownloadPackageAsync(string id, string destinationFolder, CancellationToken ct = default)
    {
        var stored = JobIds.IsValid(id) ? await ReadAsync(id, ct) : null;
        if (stored is null) throw new KeyNotFoundException($"no job '{id}'");
        var job = stored.Record?.Job ?? throw new InvalidOperationException($"job {id}: its {JobFile} cannot be read: {stored.Error}");
        if (job.State != JobState.Succeeded || stored.Record.Package is null)
            throw new InvalidOperationException($"job {id} is {job.State.ToString().ToLowerInvariant()}: only a succeeded job has a package");
        string target = Path.Combine(Path.GetFullPath(destinationFolder), id), tar = target + ".tar";
        Directory.CreateDirectory(destinationFolder);
        try
        {
            await Blob(id, stored.Record.Package).DownloadToAsync(tar, ct);
            PackageArchive.Extract(tar, target);
        }
        finally
        {
            File.Delete(tar);
        }
        return target;
    }

    /// <summary>job.json as stored: its record (or why it cannot be read), its ETag; null when there is none.</summary>
    private sealed record Stored(JobRecord? Record, string? Error, ETag ETag, bool Missing = false);

    private async Task<Stored?> ReadAsync(string id, CancellationToken ct)
    {
        try
        {
            var result = (await Blob(id, JobFile).DownloadContentAsync(ct)).Value;
            var record = JobJson.ReadRecord(result.Content, out string? error);
            if (record is not null && record.Job.Id != id)
            {
                error = $"it names job '{record.Job.Id}'";
                record = null;
            }
            return new Stored(record, error, result.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Read, change, write back If-Match; a write that lost the race reads again and asks again.
    /// <paramref name="change"/> returns null to leave the record as it is. Returns what is stored in the end.
    /// </summary>
    private async Task<Stored> ChangeAsync(string id, Func<JobRecord, JobRecord?> change, CancellationToken ct)
    {
        while (true)
        {
            var stored = await ReadAsync(id, ct) ?? new Stored(null, null, default, Missing: true);
            if (stored.Record is null || change(stored.Record) is not { } next) return stored;
            try
            {
                var info = await Blob(id, JobFile).UploadAsync(Serialize(next),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = stored.ETag } }, ct);
                return new Stored(next, null, info.Value.ETag);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                log.Debug("job.json of {Job} changed while it was being updated; reading it again", id);
            }
        }
    }

    /// <summary>A change only this lease's holder may make.</summary>
    private async Task ChangeOwnedAsync(JobLease lease, Func<JobRecord, JobRecord> change, CancellationToken ct)
    {
        bool lost = false;
        var stored = await ChangeAsync(lease.Job.Id, r =>
        {
            lost = !(r.Lease == lease.Token && r.Job.State == JobState.Running);
            return lost ? null : change(r);
        }, ct);
        if (stored.Record is null) throw new LeaseLostException(lease.Job.Id, stored.Missing ? $"its {JobFile} is gone" : $"its {JobFile} cannot be read: {stored.Error}");
        if (lost) throw JobRefusals.LeaseLost(stored.Record.Job);
    }

    private async Task<JobLease?> DropAsync(QueueMessage message, string reason)
    {
        log.Warning("Dropped queue message {Message} from {Queue}: {Reason}", message.MessageId, Describe, reason);
        await DeleteMessageAsync(message.MessageId, message.PopReceipt);
        return null;
    }

    /// <summary>Deletes a message; one already taken by another receive is that receiver's to handle.</summary>
    private async Task DeleteMessageAsync(string messageId, string popReceipt)
    {
        try { await queue.DeleteMessageAsync(messageId, popReceipt, CancellationToken.None); }
        catch (RequestFailedException e) when (IsTakenOver(e)) { }
    }

    /// <summary>A stale pop receipt: the message was received again (400 PopReceiptMismatch) or deleted (404).</summary>
    private static bool IsTakenOver(RequestFailedException e) => e.Status == 404 || e.ErrorCode == QueueErrorCode.PopReceiptMismatch.ToString();

    /// <summary>Queue visibility timeouts are whole seconds, at least one.</summary>
    private static TimeSpan Visibility(TimeSpan lease) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(lease.TotalSeconds)));

    private static BinaryData Serialize(JobRecord record) => new(JsonSerializer.SerializeToUtf8Bytes(record, JobJson.Default.JobRecord));

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
