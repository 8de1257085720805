using SetGan.Core.Tests.Packaging;
using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Tests.Jobs;

/// <summary>
/// What every training-job queue backend promises (<see cref="ITrainingJobQueue"/>), run against each:
/// SQLite in a temp folder, and Azure Storage in a real Azurite. Leases are seconds (Azure queue
/// visibility timeouts are whole seconds), with a margin for a machine busy with other test projects.
/// </summary>
public abstract class JobQueueContract : IAsyncDisposable
{
    protected readonly string Dir = Directory.CreateTempSubdirectory("setgan-jobs-").FullName;
    protected readonly CapturedLog Log = new();
    private readonly List<ITrainingJobQueue> opened = [];
    protected static readonly byte[] Image = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4];
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens this backend's queue; every call in one test reaches the same stored jobs.</summary>
    protected abstract Task<ITrainingJobQueue> OpenQueueAsync(TrainingJobQueueOptions options);

    /// <summary>Overwrites a stored job with bytes that are not a job record.</summary>
    protected abstract Task CorruptAsync(string id);

    protected async Task<ITrainingJobQueue> OpenAsync(int maxAttempts = 3)
    {
        var queue = await OpenQueueAsync(new TrainingJobQueueOptions { MaxAttempts = maxAttempts });
        opened.Add(queue);
        return queue;
    }

    private static Task Expire() => Task.Delay(TimeSpan.FromSeconds(2.6), Ct);

    [Fact]
    public async Task Submitted_jobs_are_listed_oldest_first_and_read_back_by_id()
    {
        var queue = await OpenAsync();
        var first = await queue.SubmitAsync(new TrainingRequest("birds.png", Iterations: 5, MaxSize: 64, Seed: 7), Image, Ct);
        var second = await queue.SubmitAsync(new TrainingRequest("balloons.jpg", Preset: "paper", Mode: "sequential", Precision: "int8"), Image, Ct);

        (await queue.ListAsync(Ct)).Select(j => j.Id).ShouldBe([first.Id, second.Id]);
        var read = (await queue.GetAsync(first.Id, Ct))!;
        read.State.ShouldBe(JobState.Queued);
        read.Request.ShouldBe(new TrainingRequest("birds.png", Iterations: 5, MaxSize: 64, Seed: 7));
        read.Attempts.ShouldBe(0);
        read.Request.Precision.ShouldBe("float32");
        (await queue.GetAsync(second.Id, Ct))!.Request.Precision.ShouldBe("int8");
        (await queue.GetAsync("20200101-000000-00000000", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_the_field_named()
    {
        var queue = await OpenAsync();
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("../x.png"), Image, Ct))).Message.ShouldContain("not a plain file name");
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("x.gif"), Image, Ct))).Message.ShouldContain(".png");
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("x.png", Preset: "huge"), Image, Ct))).Message.ShouldContain("preset 'huge'");
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("x.png", Iterations: 0), Image, Ct))).Message.ShouldContain("iterations");
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("x.png"), [], Ct))).Message.ShouldContain("empty");
        (await Should.ThrowAsync<ArgumentException>(() => queue.SubmitAsync(new TrainingRequest("x.png", Precision: "fp16"), Image, Ct))).Message.ShouldContain("precision 'fp16'");
        (await queue.ListAsync(Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Of_two_workers_claiming_at_once_only_one_gets_the_job()
    {
        var queue = await OpenAsync();
        var other = await OpenAsync(); // a second connection, as a second trainer would have
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);

        var claims = await Task.WhenAll(queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct), other.ClaimAsync("w2", TimeSpan.FromMinutes(1), Ct));

        claims.Count(c => c is not null).ShouldBe(1);
        var lease = claims.Single(c => c is not null)!;
        lease.Job.Id.ShouldBe(job.Id);
        lease.Image.ShouldBe(Image);
        var running = (await queue.GetAsync(job.Id, Ct))!;
        (running.State, running.Worker, running.Attempts).ShouldBe((JobState.Running, lease.Job.Worker, 1));
        (await other.ClaimAsync("w3", TimeSpan.FromMinutes(1), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_renewed_lease_keeps_the_job_and_records_progress()
    {
        var queue = await OpenAsync();
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var lease = (await queue.ClaimAsync("w1", TimeSpan.FromSeconds(3), Ct))!;

        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        await queue.RenewAsync(lease, "scale 2/4, iteration 10/100", Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // past the first lease's end, within the renewed one

        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();
        (await queue.GetAsync(job.Id, Ct))!.Progress.ShouldBe("scale 2/4, iteration 10/100");
    }

    [Fact]
    public async Task A_lease_that_expires_makes_the_job_claimable_again_with_one_more_attempt()
    {
        var queue = await OpenAsync();
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        (await queue.ClaimAsync("died", Short, Ct)).ShouldNotBeNull();
        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();

        await Expire();
        var again = (await queue.ClaimAsync("w2", TimeSpan.FromMinutes(1), Ct))!;

        again.Job.Id.ShouldBe(job.Id);
        again.Job.Attempts.ShouldBe(2);
        (await queue.GetAsync(job.Id, Ct))!.Worker.ShouldBe("w2");
    }

    [Fact]
    public async Task A_job_whose_lease_expires_at_every_attempt_fails_as_poison_after_the_limit()
    {
        var queue = await OpenAsync(maxAttempts: 2);
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        (await queue.ClaimAsync("w", Short, Ct)).ShouldNotBeNull();
        await Expire();
        (await queue.ClaimAsync("w", Short, Ct))!.Job.Attempts.ShouldBe(2);
        await Expire();

        (await queue.ClaimAsync("w", Short, Ct)).ShouldBeNull();

        var failed = (await queue.GetAsync(job.Id, Ct))!;
        failed.State.ShouldBe(JobState.Failed);
        failed.Error!.ShouldContain("gave up after 2 attempts");
        Log.Single("failed", job.Id, "gave up");
    }

    [Fact]
    public async Task A_worker_whose_lease_was_taken_over_cannot_renew_complete_or_fail()
    {
        var queue = await OpenAsync();
        var (package, _, _) = TestPackages.WriteSigned(Path.Combine(Dir, "made"));
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var slow = (await queue.ClaimAsync("slow", Short, Ct))!;
        await Expire();
        var winner = (await queue.ClaimAsync("winner", TimeSpan.FromMinutes(1), Ct))!;

        (await Should.ThrowAsync<LeaseLostException>(() => queue.CompleteAsync(slow, package, Ct))).Message.ShouldContain("another worker holds the job");
        await Should.ThrowAsync<LeaseLostException>(() => queue.RenewAsync(slow, "still here", Ct));
        await Should.ThrowAsync<LeaseLostException>(() => queue.FailAsync(slow, "oops", Ct));

        (await queue.GetAsync(job.Id, Ct))!.State.ShouldBe(JobState.Running);
        await queue.CompleteAsync(winner, package, Ct);
        (await queue.GetAsync(job.Id, Ct))!.State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task A_completed_job_gives_back_the_identical_package_folder()
    {
        var queue = await OpenAsync();
        var (package, _, publicKey) = TestPackages.WriteSigned(Path.Combine(Dir, "made"));
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var lease = (await queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct))!;

        await queue.CompleteAsync(lease, package, Ct);
        string downloaded = await queue.DownloadPackageAsync(job.Id, Path.Combine(Dir, "store"), Ct);

        var done = (await queue.GetAsync(job.Id, Ct))!;
        (done.State, done.Finished is not null, done.Error).ShouldBe((JobState.Succeeded, true, null));
        Directory.GetFiles(downloaded).Select(Path.GetFileName).Order().ShouldBe(Directory.GetFiles(package).Select(Path.GetFileName).Order());
        foreach (string file in Directory.GetFiles(package))
            File.ReadAllBytes(Path.Combine(downloaded, Path.GetFileName(file))).ShouldBe(File.ReadAllBytes(file));
        SetGan.Core.Packaging.PyramidPackage.ReadManifest(downloaded, publicKey).Scales.Count.ShouldBe(TestPackages.Sizes.Count);
        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_failed_job_records_its_reason_and_is_not_claimed_again()
    {
        var queue = await OpenAsync();
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var lease = (await queue.ClaimAsync("w1", Short, Ct))!;

        await queue.FailAsync(lease, "the image is not a PNG", Ct);
        await Expire();

        var failed = (await queue.GetAsync(job.Id, Ct))!;
        (failed.State, failed.Error).ShouldBe((JobState.Failed, "the image is not a PNG"));
        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();
        (await Should.ThrowAsync<InvalidOperationException>(() => queue.DownloadPackageAsync(job.Id, Dir, Ct))).Message.ShouldContain("only a succeeded job has a package");
        await Should.ThrowAsync<KeyNotFoundException>(() => queue.DownloadPackageAsync("20200101-000000-00000000", Dir, Ct));
    }

    [Fact]
    public async Task A_cancelled_queued_job_records_why_and_is_never_claimed_while_the_next_one_is()
    {
        var queue = await OpenAsync();
        var cancelled = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var next = await queue.SubmitAsync(new TrainingRequest("balloons.png"), Image, Ct);

        var job = await queue.CancelAsync(cancelled.Id, "wrong image", Ct);

        (job.State, job.Error, job.Finished is not null).ShouldBe((JobState.Cancelled, "wrong image", true));
        (await queue.GetAsync(cancelled.Id, Ct))!.State.ShouldBe(JobState.Cancelled);
        (await queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct))!.Job.Id.ShouldBe(next.Id);
        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Cancelling_a_running_job_takes_it_from_its_worker_whose_renew_complete_and_fail_then_say_so()
    {
        var queue = await OpenAsync();
        var (package, _, _) = TestPackages.WriteSigned(Path.Combine(Dir, "made"));
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var lease = (await queue.ClaimAsync("w1", Short, Ct))!;
        await queue.RenewAsync(lease, "scale 1/4", Ct);

        var cancelled = await queue.CancelAsync(job.Id, "not needed any more", Ct);

        (cancelled.State, cancelled.Worker, cancelled.Progress).ShouldBe((JobState.Cancelled, "w1", null));
        (await Should.ThrowAsync<JobCancelledException>(() => queue.RenewAsync(lease, "scale 2/4", Ct))).Message.ShouldContain("was cancelled (not needed any more)");
        await Should.ThrowAsync<JobCancelledException>(() => queue.CompleteAsync(lease, package, Ct));
        await Should.ThrowAsync<JobCancelledException>(() => queue.FailAsync(lease, "oops", Ct));
        await Expire(); // its lease would have ended: still nobody's
        (await queue.ClaimAsync("w2", Short, Ct)).ShouldBeNull();
        (await queue.GetAsync(job.Id, Ct))!.State.ShouldBe(JobState.Cancelled);
        (await Should.ThrowAsync<InvalidOperationException>(() => queue.DownloadPackageAsync(job.Id, Dir, Ct))).Message.ShouldContain("only a succeeded job has a package");
    }

    [Fact]
    public async Task A_job_that_has_ended_cannot_be_cancelled_and_an_unknown_one_is_not_found()
    {
        var queue = await OpenAsync();
        var (package, _, _) = TestPackages.WriteSigned(Path.Combine(Dir, "made"));
        var done = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        await queue.CompleteAsync((await queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct))!, package, Ct);
        var twice = await queue.SubmitAsync(new TrainingRequest("balloons.png"), Image, Ct);
        await queue.CancelAsync(twice.Id, "first", Ct);

        (await Should.ThrowAsync<InvalidOperationException>(() => queue.CancelAsync(done.Id, "late", Ct))).Message.ShouldContain("is succeeded already");
        (await Should.ThrowAsync<InvalidOperationException>(() => queue.CancelAsync(twice.Id, "first", Ct))).Message.ShouldContain("is cancelled already");
        await Should.ThrowAsync<KeyNotFoundException>(() => queue.CancelAsync("20200101-000000-00000000", "?", Ct));
        (await queue.GetAsync(done.Id, Ct))!.State.ShouldBe(JobState.Succeeded);
        (await queue.GetAsync(twice.Id, Ct))!.Error.ShouldBe("first");
    }

    [Fact]
    public async Task A_stored_job_that_cannot_be_read_is_reported_failed_and_the_next_job_is_claimed()
    {
        var queue = await OpenAsync();
        var broken = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var good = await queue.SubmitAsync(new TrainingRequest("balloons.png"), Image, Ct);
        await CorruptAsync(broken.Id);

        var lease = (await queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct))!;

        lease.Job.Id.ShouldBe(good.Id);
        var reported = (await queue.GetAsync(broken.Id, Ct))!;
        reported.State.ShouldBe(JobState.Failed);
        reported.Error!.ShouldContain("cannot be read");
        (await queue.ListAsync(Ct)).Select(j => j.Id).ShouldBe([broken.Id, good.Id]);
        Log.Lines.ShouldContain(l => l.Contains(broken.Id) && l.Contains("cannot be read"));
    }

    [Fact]
    public async Task Jobs_survive_reopening_and_a_job_whose_worker_stopped_is_claimed_again()
    {
        var first = await OpenAsync();
        var done = await first.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);
        var interrupted = await first.SubmitAsync(new TrainingRequest("balloons.png"), Image, Ct);
        await first.FailAsync((await first.ClaimAsync("w1", Short, Ct))!, "given up", Ct);
        (await first.ClaimAsync("stopped", Short, Ct))!.Job.Id.ShouldBe(interrupted.Id);
        await first.DisposeAsync();

        var reopened = await OpenAsync();
        (await reopened.ListAsync(Ct)).Select(j => (j.Id, j.State)).ShouldBe([(done.Id, JobState.Failed), (interrupted.Id, JobState.Running)]);
        await Expire();
        var lease = (await reopened.ClaimAsync("w2", TimeSpan.FromMinutes(1), Ct))!;
        (lease.Job.Id, lease.Job.Attempts).ShouldBe((interrupted.Id, 2));
        lease.Image.ShouldBe(Image);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in opened) await queue.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
