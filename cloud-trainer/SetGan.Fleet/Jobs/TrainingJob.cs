using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace SetGan.Fleet.Jobs;

/// <summary>
/// What to train: the image's file name (its extension says PNG or JPEG) and the settings of
/// `setgan train` a job may choose, and the precision of the package it hands back (`setgan export --precision`).
/// Null iterations or size keep the preset's. Jobs stored before precision existed read as float32.
/// </summary>
public sealed record TrainingRequest(string ImageName, string Preset = "quick", string Mode = "parallel", int? Iterations = null, int? MaxSize = null, int Seed = 0,
    string Precision = "float32")
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Refuses what a trainer would only refuse later, with the field named.</summary>
    public void Validate(byte[] image)
    {
        if (image.Length == 0) throw new ArgumentException("the training image is empty");
        if (string.IsNullOrWhiteSpace(ImageName) || ImageName != Path.GetFileName(ImageName) || ImageName.Length > 200)
            throw new ArgumentException($"image name '{ImageName}' is not a plain file name");
        if (!ImageExtensions.Contains(Path.GetExtension(ImageName).ToLowerInvariant()))
            throw new ArgumentException($"image name '{ImageName}' must end in .png, .jpg or .jpeg");
        if (Preset is not ("quick" or "paper")) throw new ArgumentException($"unknown preset '{Preset}'; use quick or paper");
        // progressive publishes packages while it trains; a job hands back exactly one package.
        if (Mode is not ("sequential" or "parallel")) throw new ArgumentException($"unknown mode '{Mode}'; a job trains sequential or parallel");
        if (Iterations is < 1) throw new ArgumentException("iterations must be at least 1");
        if (MaxSize is < 25 or > 4096) throw new ArgumentException("max size must be between 25 and 4096 pixels");
        if (Precision is not ("float32" or "int8")) throw new ArgumentException($"unknown precision '{Precision}'; use float32 or int8");
    }

    /// <summary>The stored image's file name: image plus the request's extension.</summary>
    [JsonIgnore]
    public string ImageFileName => "image" + Path.GetExtension(ImageName).ToLowerInvariant();
}

/// <summary>A job's life: queued until a worker claims it, running under a lease, then one of the three ends (cancelled: by an operator).</summary>
public enum JobState { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// One training job as the queue reports it. <paramref name="Attempts"/> counts claims: a worker
/// that stops (or dies) without finishing leaves the job to be claimed again once its lease expires.
/// </summary>
public sealed record TrainingJob(string Id, TrainingRequest Request, JobState State, DateTimeOffset Submitted, string? Worker,
    DateTimeOffset? Started, DateTimeOffset? Finished, string? Progress, string? Error, int Attempts)
{
    /// <summary>A job whose stored record cannot be read: reported as failed with the reason, never thrown.</summary>
    public static TrainingJob Unreadable(string id, string reason, DateTimeOffset submitted) =>
        new(id, new TrainingRequest("?"), JobState.Failed, submitted, null, null, null, null, reason, 0);
}

/// <summary>
/// A worker's hold on a running job: the job as claimed, its image, and the backend's proof of
/// ownership. Renew it before <see cref="Expires"/>; once expired another worker may claim the job,
/// and this lease's Renew/Complete/Fail then throw <see cref="LeaseLostException"/>.
/// </summary>
public sealed class JobLease
{
    internal JobLease(TrainingJob job, byte[] image, string token, TimeSpan duration, object? handle)
    {
        (Job, Image, Token, Duration, Handle) = (job, image, token, duration, handle);
        Expires = DateTimeOffset.UtcNow + duration;
    }

    public TrainingJob Job { get; }
    public byte[] Image { get; }

    /// <summary>Unique per claim: the stored job names the lease that holds it.</summary>
    public string Token { get; }
    public TimeSpan Duration { get; }
    public DateTimeOffset Expires { get; internal set; }

    /// <summary>The backend's own state of this claim (the Azure queue message's pop receipt, the blob's ETag).</summary>
    internal object? Handle { get; set; }
}

/// <summary>The job was claimed by another worker after this lease expired, or cancelled: its result is not wanted.</summary>
public class LeaseLostException : InvalidOperationException
{
    public LeaseLostException(string jobId, string why)
        : this(jobId, $"job {jobId}: this worker's lease is lost ({why}); another worker holds the job now", inner: null) { }

    protected LeaseLostException(string jobId, string message, Exception? inner) : base(message, inner) => JobId = jobId;

    public string JobId { get; }
}

/// <summary>An operator cancelled the job while this worker held it (<see cref="ITrainingJobQueue.CancelAsync"/>).</summary>
public sealed class JobCancelledException(string jobId, string? reason)
    : LeaseLostException(jobId, $"job {jobId} was cancelled{(reason is null ? "" : $" ({reason})")}; its work is dropped", inner: null);

/// <summary>Refusals both backends word the same way.</summary>
internal static class JobRefusals
{
    /// <summary>Why a lease no longer holds <paramref name="current"/>, the job as stored now: cancelled, or taken by another claim.</summary>
    public static LeaseLostException LeaseLost(TrainingJob current) => current.State == JobState.Cancelled
        ? new JobCancelledException(current.Id, current.Error)
        : new LeaseLostException(current.Id, $"it is {current.State.ToString().ToLowerInvariant()}, worker {current.Worker ?? "none"}, attempt {current.Attempts}");

    public static InvalidOperationException NotCancellable(TrainingJob job) =>
        new($"job {job.Id} is {job.State.ToString().ToLowerInvariant()} already: only a queued or running job can be cancelled");
}

/// <summary>Job ids: sortable by submission time, safe in file and blob names.</summary>
public static partial class JobIds
{
    public static string New(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>When a valid id was made, to the second: the submission time of a job whose record cannot be read.</summary>
    public static DateTimeOffset Submitted(string id) =>
        DateTimeOffset.ParseExact(id[..15], "yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

    [GeneratedRegex(@"^\d{8}-\d{6}-[0-9a-f]{8}$")]
    private static partial Regex Pattern();
}

/// <summary>Knobs shared by both backends.</summary>
public sealed record TrainingJobQueueOptions
{
    /// <summary>Claims a job may have; a lease that expires this many times makes it a failed (poison) job.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Azure: the queue of job ids and the blob container of jobs (lower case, 3-63 letters, digits, dashes).</summary>
    public string QueueName { get; init; } = "setgan-jobs";
    public string ContainerName { get; init; } = "setgan-jobs";
}
