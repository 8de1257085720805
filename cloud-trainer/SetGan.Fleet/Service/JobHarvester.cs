using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using SetGan.Core.Packaging;
using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Service;

/// <summary>What became of a succeeded job's package: its SHA-256 in the model store, or why the store refused it.</summary>
public sealed record HarvestRecord(string? Package, string? Error);

/// <summary>
/// Takes the packages of succeeded training jobs into the model store by themselves: every few seconds it
/// downloads each one not yet taken, verifies it with the fleet's key (<see cref="ModelStore.Add"/>) and
/// publishes it, so a finished job is ready for deploy. DATA/harvested.json remembers job id → package
/// SHA-256 (or the refusal) across restarts. A package that does not verify is a lasting error of its job;
/// anything else (storage unreachable) is retried at the next round. Nothing leaves the loop but a stop.
/// </summary>
public sealed class JobHarvester(ITrainingJobQueue queue, ModelStore models, string dataDir, TimeSpan every, Serilog.ILogger log) : BackgroundService
{
    public const string File = "harvested.json";

    private readonly Lock gate = new();
    private readonly Dictionary<string, HarvestRecord> done = Load(Path.Combine(dataDir, File), log);
    private readonly Dictionary<string, string> retrying = []; // job id → the last transient error, so each is logged once

    /// <summary>The job's package SHA-256, or why the store refused it; null until harvested (a transient failure is only logged).</summary>
    public HarvestRecord? Of(string jobId)
    {
        lock (gate) return done.GetValueOrDefault(jobId);
    }

    /// <summary>One round: every succeeded job not yet harvested.</summary>
    public async Task HarvestAsync(CancellationToken ct)
    {
        foreach (var job in await queue.ListAsync(ct))
        {
            bool pending;
            lock (gate) pending = job.State == JobState.Succeeded && !done.ContainsKey(job.Id);
            if (pending) await HarvestAsync(job, ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        await Task.Yield(); // the service's start does not wait for the first round
        using var timer = new PeriodicTimer(every);
        try
        {
            do
            {
                try { await HarvestAsync(stop); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.Warning(e, "Listing the training jobs in {Queue} failed; trying again in {Seconds} s", queue.Describe, every.TotalSeconds);
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private async Task HarvestAsync(TrainingJob job, CancellationToken ct)
    {
        string staging = Path.Combine(dataDir, "harvest");
        try
        {
            string folder = await queue.DownloadPackageAsync(job.Id, staging, ct);
            var published = models.Add(folder);
            Record(job.Id, new HarvestRecord(published.Reference.Sha256, null));
            log.Information("Job {Job}: package {Sha256} of {Image} is in the model store, ready to deploy", job.Id, published.Reference.Sha256, job.Request.ImageName);
        }
        catch (Exception e) when (e is PackageException or InvalidDataException)
        {
            // Signed with another key, or damaged: trying again would give the same answer.
            string error = $"the model store refused the job's package: {e.Message}";
            Record(job.Id, new HarvestRecord(null, error));
            log.Error("Job {Job}: {Error}", job.Id, error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string error = e.Message;
            bool first;
            lock (gate)
            {
                first = !retrying.TryGetValue(job.Id, out string? before) || before != error;
                retrying[job.Id] = error;
            }
            if (first) log.Warning(e, "Job {Job}: taking its package into the model store failed; retrying every {Seconds} s", job.Id, every.TotalSeconds);
        }
        finally
        {
            string copy = Path.Combine(staging, job.Id);
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        }
    }

    private void Record(string jobId, HarvestRecord record)
    {
        lock (gate)
        {
            done[jobId] = record;
            retrying.Remove(jobId);
            string path = Path.Combine(dataDir, File);
            System.IO.File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(done, HarvestJson.Default.DictionaryStringHarvestRecord));
            System.IO.File.Move(path + ".tmp", path, overwrite: true);
        }
    }

    private static Dictionary<string, HarvestRecord> Load(string path, Serilog.ILogger log)
    {
        if (!System.IO.File.Exists(path)) return [];
        try { return JsonSerializer.Deserialize(System.IO.File.ReadAllText(path), HarvestJson.Default.DictionaryStringHarvestRecord) ?? []; }
        catch (JsonException e)
        {
            // Harvesting again is harmless: the model store keeps one copy per package.
            log.Warning("{Path} is unreadable ({Reason}); succeeded jobs are harvested again", path, e.Message);
            return [];
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(Dictionary<string, HarvestRecord>))]
internal sealed partial class HarvestJson : JsonSerializerContext;
