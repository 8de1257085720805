using System.CommandLine;
using SetGan.Cloud.Jobs;
using SetGan.Fleet.Service;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan fleet serve --workers N`: trainers inside the service process, taking jobs from the service's own
/// queue and signing with the service's private key, so one machine receives, trains and deploys. With 0,
/// only `setgan fleet worker`s on other machines (or processes) train.
/// </summary>
public sealed class ServiceTrainers : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops = [];

    private ServiceTrainers() { }

    public static Option<string?> JobsOption() => new("--jobs")
    {
        Description = "The training-job queue: sqlite:DIR (default: sqlite:DATA/jobs) or azure:CONNECTION-STRING (shared with `setgan fleet worker`s elsewhere).",
    };

    public static Option<int> WorkersOption() => new("--workers")
    {
        Description = "Trainers in this process (signing with the service's key); 0 leaves training to `setgan fleet worker`s.", DefaultValueFactory = _ => 1,
    };

    public static ServiceTrainers Start(FleetService service, int count, Serilog.ILogger log)
    {
        if (count < 0) throw new ArgumentException("--workers must be 0 or more");
        var trainers = new ServiceTrainers();
        if (count == 0) return trainers;
        string privateKey = PackageCommands.ReadKey(service.PrivateKeyPath);
        var defaults = new TrainingWorkerOptions();
        for (int i = 1; i <= count; i++)
        {
            var options = defaults with
            {
                Name = $"{defaults.Name}-{i}",
                Poll = TimeSpan.FromSeconds(2), // the queue is at hand: asking often costs little and starts jobs sooner
                WorkFolder = Path.Combine(service.Options.DataDir, "work"),
            };
            var worker = new TrainingWorker(service.Jobs, privateKey, options, log);
            // Off the caller's thread: the SQLite queue answers synchronously and training is long CPU work.
            trainers.loops.Add(Task.Run(() => worker.RunAsync(trainers.stop.Token)));
        }
        return trainers;
    }

    /// <summary>Stops the trainers; a job in training stays claimed until its lease ends, then any worker takes it again.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        stop.Dispose();
    }
}
