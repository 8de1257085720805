namespace SetGan.Fleet.Jobs;

/// <summary>
/// The fleet's training jobs: the service submits an image and settings, trainer machines claim a job
/// under a lease, train it, and hand back a signed package that lands in the model store.
/// Guarantees of every backend:
/// <list type="bullet">
/// <item>a job is held by one lease at a time; a claim after the lease expired (worker stopped or died)
/// counts one more attempt, and after <see cref="TrainingJobQueueOptions.MaxAttempts"/> the job fails with the reason;</item>
/// <item>Renew, Complete and Fail on a lease that another worker has since taken throw <see cref="LeaseLostException"/>, and on a
/// cancelled job <see cref="JobCancelledException"/>;</item>
/// <item>a stored job or queue message that cannot be read is reported as a failed job or dropped, with the
/// reason logged, never thrown out of <see cref="ClaimAsync"/>.</item>
/// </list>
/// </summary>
public interface ITrainingJobQueue : IAsyncDisposable
{
    /// <summary>Where the jobs live, for logs: "sqlite:/path" or "azure:account/queue".</summary>
    string Describe { get; }

    /// <summary>Stores the image and queues the job; bad requests are refused with <see cref="ArgumentException"/>.</summary>
    Task<TrainingJob> SubmitAsync(TrainingRequest request, byte[] image, CancellationToken ct = default);

    /// <summary>Every job, oldest first.</summary>
    Task<IReadOnlyList<TrainingJob>> ListAsync(CancellationToken ct = default);

    Task<TrainingJob?> GetAsync(string id, CancellationToken ct = default);

    /// <summary>Takes the oldest claimable job for <paramref name="lease"/>; null when nothing is queued.</summary>
    Task<JobLease?> ClaimAsync(string worker, TimeSpan lease, CancellationToken ct = default);

    /// <summary>Extends the lease by its duration from now and records the progress text.</summary>
    Task RenewAsync(JobLease lease, string? progress, CancellationToken ct = default);

    /// <summary>Stores the package folder (as a tar) in the model store and marks the job succeeded.</summary>
    Task CompleteAsync(JobLease lease, string packageFolder, CancellationToken ct = default);

    /// <summary>Marks the job failed for good with the reason (no further attempts).</summary>
    Task FailAsync(JobLease lease, string reason, CancellationToken ct = default);

    /// <summary>
    /// An operator's stop: a queued or running job becomes cancelled with <paramref name="reason"/>, no worker claims it again, and
    /// the worker running it learns at its next renewal (<see cref="JobCancelledException"/>, within a third of its lease) and stops
    /// training. Returns the cancelled job; <see cref="KeyNotFoundException"/> for an unknown job, <see cref="InvalidOperationException"/>
    /// for one that has ended.
    /// </summary>
    Task<TrainingJob> CancelAsync(string id, string reason, CancellationToken ct = default);

    /// <summary>
    /// Unpacks a succeeded job's package into DESTINATION/{id} (replacing an earlier copy) and returns that
    /// folder; <see cref="KeyNotFoundException"/> for an unknown job, <see cref="InvalidOperationException"/> for one without a package.
    /// </summary>
    Task<string> DownloadPackageAsync(string id, string destinationFolder, CancellationToken ct = default);
}
