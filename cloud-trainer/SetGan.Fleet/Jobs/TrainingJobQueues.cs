namespace SetGan.Fleet.Jobs;

/// <summary>Opens a training-job queue from its spec: "sqlite:DIR" (the default backend) or "azure:CONNECTION-STRING".</summary>
public static class TrainingJobQueues
{
    public const string SqlitePrefix = "sqlite:", AzurePrefix = "azure:";

    public static async Task<ITrainingJobQueue> OpenAsync(string spec, TrainingJobQueueOptions? options = null, Serilog.ILogger? log = null, CancellationToken ct = default)
    {
        options ??= new TrainingJobQueueOptions();
        if (options.MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1");
        log ??= Serilog.Core.Logger.None;
        if (spec.StartsWith(SqlitePrefix, StringComparison.Ordinal) && spec.Length > SqlitePrefix.Length)
            return SqliteJobQueue.Open(spec[SqlitePrefix.Length..], options, log);
        if (spec.StartsWith(AzurePrefix, StringComparison.Ordinal) && spec.Length > AzurePrefix.Length)
            return await AzureJobQueue.OpenAsync(spec[AzurePrefix.Length..], options, log, ct);
        // Only the scheme is shown: an Azure connection string carries the account key.
        string shown = spec.Contains(':') ? spec[..spec.IndexOf(':')] + ":..." : spec;
        throw new ArgumentException($"unknown job queue '{shown}': use sqlite:DIR (jobs.db and the model store in DIR) or azure:CONNECTION-STRING (Azure Storage queue and blobs)");
    }
}
