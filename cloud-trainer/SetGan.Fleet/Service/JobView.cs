using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Service;

/// <summary>
/// A training job as the API, the CLI and the dashboard show it: the request's settings, the queue's state
/// (queued, running, succeeded, failed, cancelled) and, once the service took it into the model store, the package's
/// SHA-256 to deploy. <paramref name="Error"/> is the job's failure, or why its package was not taken.
/// </summary>
public sealed record JobView(string Id, string Image, string Preset, string Mode, int? Iterations, int? MaxSize, int Seed, string State,
    DateTimeOffset Submitted, string? Worker, DateTimeOffset? Started, DateTimeOffset? Finished, string? Progress, int Attempts,
    string? Package, string? Error, string Precision = "float32")
{
    public static JobView Of(TrainingJob job, HarvestRecord? harvest) => new(job.Id, job.Request.ImageName, job.Request.Preset, job.Request.Mode,
        job.Request.Iterations, job.Request.MaxSize, job.Request.Seed, job.State.ToString().ToLowerInvariant(), job.Submitted, job.Worker,
        job.Started, job.Finished, job.Progress, job.Attempts, harvest?.Package, job.Error ?? harvest?.Error, job.Request.Precision);

    /// <summary>Nothing more will happen to it: failed, cancelled, its package refused, or its package in the model store.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Ended => State is "failed" or "cancelled" || Package is not null || Error is not null;
}
