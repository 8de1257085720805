using System.CommandLine;
using SetGan.Cloud.Jobs;
using SetGan.Core.Packaging;
using SetGan.Fleet.Jobs;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan fleet worker --jobs sqlite:DIR|azure:CONNSTR --key KEY [--once]`: a trainer machine taking training jobs.</summary>
public static class WorkerCommand
{
    /// <summary>The queue `setgan fleet serve` keeps by default (sqlite:DATA/jobs), so a worker beside it needs no --jobs.</summary>
    public static string DefaultJobs => TrainingJobQueues.SqlitePrefix + Path.Combine(FleetCommands.DefaultData, "jobs");

    public static Command Create()
    {
        var jobs = new Option<string>("--jobs")
        {
            Description = "The job queue: sqlite:DIR (jobs.db and the model store in DIR, this machine only) or azure:CONNECTION-STRING " +
                "(an Azure Storage queue and blob container that several trainer machines share).",
            DefaultValueFactory = _ => DefaultJobs,
        };
        var key = new Option<string>("--key") { Description = "The private signing key for the packages.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PrivateKeyFile) };
        var once = new Option<bool>("--once") { Description = "Work one job (or none, when nothing is queued) and exit: 0 when it succeeded, 1 when it failed." };
        var name = new Option<string?>("--name") { Description = "This worker's name in the jobs (default: machine name and process id)." };
        var lease = new Option<int>("--lease") { Description = "Seconds a claim holds a job without renewal (renewed every third of it while training).", DefaultValueFactory = _ => 120 };
        var work = new Option<string?>("--work") { Description = "Folder to train in (one subfolder per job, deleted when it ends); default: a temp folder." };
        var command = new Command("worker",
            "Take training jobs until Ctrl+C: claim one, train it, export a signed package into the model store. A stopped worker's " +
            "job goes to another worker when its lease expires.")
        {
            jobs, key, once, name, lease, work,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string privateKey = PackageCommands.ReadKey(parse.GetValue(key)!);
            int seconds = parse.GetValue(lease) is >= 3 and var s ? s : throw new ArgumentException("--lease must be at least 3 seconds");
            var defaults = new TrainingWorkerOptions();
            var options = defaults with
            {
                Name = parse.GetValue(name) ?? defaults.Name,
                Lease = TimeSpan.FromSeconds(seconds),
                RenewEvery = TimeSpan.FromSeconds(seconds / 3.0),
                WorkFolder = parse.GetValue(work) ?? defaults.WorkFolder,
            };
            using var log = RunLog.Create(Path.Combine(options.WorkFolder, "logs", "worker.json"));
            try
            {
                await using var queue = await TrainingJobQueues.OpenAsync(parse.GetValue(jobs)!, log: log, ct: cancel);
                var worker = new TrainingWorker(queue, privateKey, options, log);
                if (!parse.GetValue(once))
                {
                    await worker.RunAsync(cancel);
                    System.Console.WriteLine("worker stopped");
                    return 0;
                }
                var job = await worker.RunOnceAsync(cancel);
                cancel.ThrowIfCancellationRequested();
                switch (job?.State)
                {
                    case null:
                        System.Console.WriteLine($"no job queued in {queue.Describe}");
                        return 0;
                    case JobState.Succeeded:
                        System.Console.WriteLine($"job {job.Id} succeeded");
                        return 0;
                    default:
                        CliErrors.Error($"job {job.Id} is {job.State.ToString().ToLowerInvariant()}{(job.Error is null ? "" : ": " + job.Error)}");
                        return CliErrors.Failure;
                }
            }
            catch (Azure.RequestFailedException e)
            {
                throw new InvalidOperationException($"Azure Storage refused a request: {e.Status} {e.ErrorCode}", e);
            }
        }, onInterrupt: "worker stopped; its job (if any) goes to another worker when the lease expires"));
        return command;
    }
}
