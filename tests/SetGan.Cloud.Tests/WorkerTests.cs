using SetGan.Core.Packaging;
using SetGan.Fleet.Jobs;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Tests;

/// <summary>`setgan fleet worker --once` through the real program, against a SQLite job queue.</summary>
public sealed class WorkerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-worker-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(params string[] parts) => Path.Combine([dir, .. parts]);

    private string Jobs => TrainingJobQueues.SqlitePrefix + P("fleet");

    private async Task<TrainingJob> SubmitAsync(TrainingRequest request, byte[] image)
    {
        await using var queue = await TrainingJobQueues.OpenAsync(Jobs, ct: TestContext.Current.CancellationToken);
        return await queue.SubmitAsync(request, image, TestContext.Current.CancellationToken);
    }

    private Task<SetGanProcess.Result> WorkOnceAsync() =>
        SetGanProcess.RunAsync("fleet", "worker", "--jobs", Jobs, "--key", P("keys", PackageSigning.PrivateKeyFile), "--once", "--work", P("work"), "--name", "test-worker");

    [Fact]
    public async Task A_worker_trains_a_queued_job_and_hands_back_a_package_signed_with_its_key_in_the_precision_asked()
    {
        var (_, publicKey) = PackageSigning.NewKeyPair(P("keys"));
        var job = await SubmitAsync(new TrainingRequest("tiny.png", Mode: "parallel", Iterations: 2, MaxSize: 48, Seed: 3, Precision: "int8"),
            File.ReadAllBytes(SetGanProcess.WriteTinyBalloons(dir)));

        var run = await WorkOnceAsync();

        run.ExitCode.ShouldBe(0, run.Stderr);
        run.Stdout.ShouldContain($"job {job.Id} succeeded");
        run.Stderr.ShouldContain("claimed by test-worker");
        await using var queue = await TrainingJobQueues.OpenAsync(Jobs, ct: TestContext.Current.CancellationToken);
        var done = (await queue.GetAsync(job.Id, TestContext.Current.CancellationToken))!;
        (done.State, done.Worker, done.Attempts).ShouldBe((JobState.Succeeded, "test-worker", 1));
        string package = await queue.DownloadPackageAsync(job.Id, P("store"), TestContext.Current.CancellationToken);
        var manifest = PyramidPackage.ReadManifest(package, File.ReadAllText(publicKey));
        manifest.Scales.Count.ShouldBe(4);
        manifest.SourceImage.ShouldBe("tiny.png");
        manifest.ModelPrecision.ShouldBe(ModelPrecision.Int8);
        Directory.Exists(P("work", job.Id)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_job_whose_image_cannot_be_decoded_fails_with_the_reason_and_the_worker_says_so()
    {
        PackageSigning.NewKeyPair(P("keys"));
        var job = await SubmitAsync(new TrainingRequest("broken.png", Iterations: 2, MaxSize: 48), "not a png"u8.ToArray());

        var run = await WorkOnceAsync();

        run.ExitCode.ShouldBe(1);
        run.Stderr.ShouldContain($"error: job {job.Id} is failed: ");
        await using var queue = await TrainingJobQueues.OpenAsync(Jobs, ct: TestContext.Current.CancellationToken);
        var failed = (await queue.GetAsync(job.Id, TestContext.Current.CancellationToken))!;
        failed.State.ShouldBe(JobState.Failed);
        failed.Error!.ShouldContain("broken.png");
    }

    [Fact]
    public async Task A_worker_stopped_with_ctrl_c_leaves_its_job_to_be_claimed_again_when_the_lease_ends()
    {
        var cancel = TestContext.Current.CancellationToken;
        PackageSigning.NewKeyPair(P("keys"));
        var job = await SubmitAsync(new TrainingRequest("tiny.png", Iterations: 200, MaxSize: 48), File.ReadAllBytes(SetGanProcess.WriteTinyBalloons(dir)));
        using var process = SetGanProcess.Start("fleet", "worker", "--jobs", Jobs, "--key", P("keys", PackageSigning.PrivateKeyFile), "--lease", "3", "--work", P("work"));
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);

        // The lease is renewed with progress every second while it trains: wait for the first renewal.
        await using var queue = await TrainingJobQueues.OpenAsync(Jobs, ct: cancel);
        while ((await queue.GetAsync(job.Id, cancel))!.Progress is null && !process.HasExited) await Task.Delay(100, cancel);
        if (process.HasExited) throw new ShouldAssertException($"the worker ended before the signal:\n{await stderr}");
        ProcessStop.Interrupt(process);
        await process.WaitForExitAsync(cancel);
        string log = await stderr;

        process.ExitCode.ShouldBe(0, log); // a stop, as the hub's: the job is not lost
        log.ShouldContain($"Job {job.Id} interrupted");
        (await stdout).ShouldContain("worker stopped");
        (await queue.GetAsync(job.Id, cancel))!.State.ShouldBe(JobState.Running);
        await Task.Delay(TimeSpan.FromSeconds(4), cancel); // the 3 s lease, from its last renewal
        var again = (await queue.ClaimAsync("next", TimeSpan.FromMinutes(1), cancel))!;
        (again.Job.Id, again.Job.Attempts).ShouldBe((job.Id, 2));
    }

    [Fact]
    public async Task A_job_cancelled_while_it_trains_stops_its_worker_at_the_next_renewal_and_leaves_nothing_behind()
    {
        var cancel = TestContext.Current.CancellationToken;
        PackageSigning.NewKeyPair(P("keys"));
        var job = await SubmitAsync(new TrainingRequest("tiny.png", Iterations: 2000, MaxSize: 48), File.ReadAllBytes(SetGanProcess.WriteTinyBalloons(dir)));
        using var process = SetGanProcess.Start("fleet", "worker", "--jobs", Jobs, "--key", P("keys", PackageSigning.PrivateKeyFile), "--lease", "3",
            "--work", P("work"), "--once");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        await using var queue = await TrainingJobQueues.OpenAsync(Jobs, ct: cancel);
        while ((await queue.GetAsync(job.Id, cancel))!.Progress is null && !process.HasExited) await Task.Delay(100, cancel);
        if (process.HasExited) throw new ShouldAssertException($"the worker ended before the job was cancelled:\n{await stderr}");

        await queue.CancelAsync(job.Id, "wrong image", cancel);
        await process.WaitForExitAsync(cancel); // 2000 iterations per scale would take many minutes: only the cancel ends it soon
        string log = await stderr;

        process.ExitCode.ShouldBe(1, log);
        log.ShouldContain($"job {job.Id} was cancelled (wrong image)");
        log.ShouldContain($"error: job {job.Id} is cancelled: wrong image");
        (await stdout).ShouldNotContain("succeeded");
        var ended = (await queue.GetAsync(job.Id, cancel))!;
        (ended.State, ended.Error).ShouldBe((JobState.Cancelled, "wrong image"));
        Directory.Exists(P("work", job.Id)).ShouldBeFalse();
        Directory.Exists(P("fleet", "packages")).ShouldBeFalse();
    }

    [Fact]
    public async Task With_nothing_queued_once_exits_cleanly_and_an_unknown_queue_is_refused()
    {
        PackageSigning.NewKeyPair(P("keys"));

        var idle = await WorkOnceAsync();
        var unknown = await SetGanProcess.RunAsync("fleet", "worker", "--jobs", "ftp://jobs", "--key", P("keys", PackageSigning.PrivateKeyFile), "--once");

        idle.ExitCode.ShouldBe(0, idle.Stderr);
        idle.Stdout.ShouldContain("no job queued in sqlite:");
        unknown.ExitCode.ShouldBe(1);
        unknown.Stderr.ShouldContain("unknown job queue");
    }
}
