using SetGan.Cloud.Commands;
using SetGan.Core.Packaging;
using SetGan.Fleet.Jobs;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;
using Serilog;

namespace SetGan.Cloud.Jobs;

/// <summary>How a trainer machine takes part: its name in the jobs, its lease, how often it renews and polls, where it trains.</summary>
public sealed record TrainingWorkerOptions
{
    public string Name { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>How long a claim holds a job without renewal: a worker that died releases it after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Well inside the lease, so one slow renewal does not lose the job.</summary>
    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The wait after finding nothing queued (or a storage error) before asking again.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Each job trains in WORK/{job id}, deleted when the job ends.</summary>
    public string WorkFolder { get; init; } = Path.Combine(Path.GetTempPath(), "setgan-worker");
}

/// <summary>
/// A trainer machine's loop: claim a job, train it with its settings (the same run as `setgan train`),
/// renewing the lease with progress text on a timer, export a signed package (as `setgan export`)
/// and hand it back. A failure fails the job with its message; a stop (Ctrl+C) leaves the job
/// running under its lease, so another worker claims it when the lease expires; a lost lease abandons it.
/// </summary>
public sealed class TrainingWorker(ITrainingJobQueue queue, string privateKeyPem, TrainingWorkerOptions options, ILogger log)
{
    /// <summary>Works until <paramref name="cancel"/>; storage errors are logged and retried after the poll interval.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        log.Information("Worker {Worker} takes jobs from {Queue}", options.Name, queue.Describe);
        while (!cancel.IsCancellationRequested)
        {
            TrainingJob? done = null;
            try
            {
                done = await RunOnceAsync(cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                log.Error(e, "Worker {Worker} could not claim from {Queue}; trying again in {Seconds} s", options.Name, queue.Describe, options.Poll.TotalSeconds);
            }
            if (done is not null) continue;
            try { await Task.Delay(options.Poll, cancel); }
            catch (OperationCanceledException) { break; }
        }
        log.Information("Worker {Worker} stopped", options.Name);
    }

    /// <summary>Claims and works one job; returns it as it ended, or null when nothing was queued.</summary>
    public async Task<TrainingJob?> RunOnceAsync(CancellationToken cancel)
    {
        var lease = await queue.ClaimAsync(options.Name, options.Lease, cancel);
        if (lease is null) return null;
        await WorkAsync(lease, cancel);
        return await queue.GetAsync(lease.Job.Id, CancellationToken.None) ?? lease.Job;
    }

    /// <summary>The settings of `setgan train` that the request names; the compute precision is this server's (auto).</summary>
    public static TrainingSettings SettingsFor(TrainingRequest request)
    {
        var preset = TrainingSettings.FromPreset(request.Preset);
        var settings = preset with { Seed = request.Seed, Mode = Enum.Parse<TrainingMode>(request.Mode, ignoreCase: true), Compute = ComputePrecisions.Auto(preset.Device) };
        if (request.Iterations is { } n) settings = settings with { Iterations = n };
        if (request.MaxSize is { } px) settings = settings with { MaxSize = px };
        return settings;
    }

    private async Task WorkAsync(JobLease lease, CancellationToken cancel)
    {
        var job = lease.Job;
        string work = Path.Combine(options.WorkFolder, job.Id);
        var progress = new ProgressText();
        using var training = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var renewal = new CancellationTokenSource();
        LeaseLostException? lostWhy = null;
        var renewing = RenewAsync(lease, progress, onLost: e => { lostWhy = e; training.Cancel(); }, renewal.Token);
        bool lost = false;
        try
        {
            log.Information("Job {Job}: training {Image} (preset {Preset}, mode {Mode}, {Precision} package, attempt {Attempt}) in {Folder}",
                job.Id, job.Request.ImageName, job.Request.Preset, job.Request.Mode, job.Request.Precision, job.Attempts, work);
            var settings = SettingsFor(job.Request);
            var model = await TrainingRun.RunAsync(job.Request.ImageName, lease.Image, settings, Path.Combine(work, "model"), force: true, training.Token, watcher: progress);
            string package = Path.Combine(work, "package");
            PackageExporter.Export(model.Path, package, privateKeyPem, force: true, Enum.Parse<ModelPrecision>(job.Request.Precision, ignoreCase: true));
            lost = await StopAsync(renewal, renewing);
            if (!lost) await HandBackAsync(lease, package);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            log.Warning("Job {Job} interrupted: it stays claimed until its lease ends at {Expires:HH:mm:ss}, then another worker takes it", job.Id, lease.Expires);
        }
        catch (OperationCanceledException) when (training.IsCancellationRequested)
        {
            lost = true; // the renewal found the lease taken over, or the job cancelled, and stopped the training
        }
        catch (LeaseLostException e)
        {
            lost = true;
            lostWhy ??= e;
        }
        catch (Exception e)
        {
            log.Error(e, "Job {Job} failed", job.Id);
            if (!await StopAsync(renewal, renewing)) await FailAsync(lease, e.Message);
        }
        finally
        {
            lost |= await StopAsync(renewal, renewing);
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
        if (lostWhy is JobCancelledException) log.Warning("Job {Job} was cancelled: its training stopped and its work is dropped", job.Id);
        else if (lost) log.Warning("Job {Job}: this worker's lease was taken over after it expired; its work is dropped", job.Id);
    }

    /// <summary>
    /// Stores the package; a storage error leaves the job to be claimed again when the lease ends (the
    /// training was fine, so the job is not failed for it).
    /// </summary>
    private async Task HandBackAsync(JobLease lease, string package)
    {
        try
        {
            await queue.CompleteAsync(lease, package, CancellationToken.None);
        }
        catch (Exception e) when (e is not LeaseLostException)
        {
            log.Error(e, "Job {Job}: the package could not be handed back to {Queue}; the job is claimed again after its lease ends at {Expires:HH:mm:ss}",
                lease.Job.Id, queue.Describe, lease.Expires);
        }
    }

    private async Task FailAsync(JobLease lease, string reason)
    {
        try { await queue.FailAsync(lease, reason, CancellationToken.None); }
        catch (LeaseLostException e) { log.Warning("{Message}", e.Message); }
    }

    /// <summary>Renews every <see cref="TrainingWorkerOptions.RenewEvery"/> until stopped; true when the lease was lost.</summary>
    private async Task<bool> RenewAsync(JobLease lease, ProgressText progress, Action<LeaseLostException> onLost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await queue.RenewAsync(lease, progress.Text, stop);
                    log.Debug("Job {Job}: lease renewed until {Expires:HH:mm:ss}, {Progress}", lease.Job.Id, lease.Expires, progress.Text);
                }
                catch (LeaseLostException e)
                {
                    log.Warning("{Message}", e.Message);
                    onLost(e);
                    return true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A storage hiccup: the lease still has time; the next tick tries again.
                    log.Warning(e, "Job {Job}: renewing the lease failed; it expires at {Expires:HH:mm:ss}", lease.Job.Id, lease.Expires);
                }
            }
        }
        catch (OperationCanceledException) { }
        return false;
    }

    private static async Task<bool> StopAsync(CancellationTokenSource renewal, Task<bool> renewing)
    {
        renewal.Cancel();
        return await renewing;
    }

    /// <summary>The latest progress as one line (scales train at once in parallel mode, so it names the scale).</summary>
    private sealed class ProgressText : ITrainingObserver
    {
        private int finished;
        private volatile string text = "starting";

        public string Text => text;

        public void Iteration(IterationReport r) => text = $"{finished} scales done; scale {r.Scale} at iteration {r.Iteration}/{r.Iterations}";

        public void ScaleFinished(int scale, ScaleRecord record) => text = $"{Interlocked.Increment(ref finished)} scales done; scale {scale} finished";
    }
}
