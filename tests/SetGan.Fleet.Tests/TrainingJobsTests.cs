using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SetGan.Core.Tests.Packaging;
using SetGan.Fleet.Client;
using SetGan.Fleet.Jobs;
using SetGan.Fleet.Service;

namespace SetGan.Fleet.Tests;

/// <summary>
/// Training jobs through the service: submitted over /api/jobs, trained by a stand-in worker on the real SQLite
/// queue (its own connection, as a worker process has), harvested into the model store by the service itself.
/// </summary>
public sealed class TrainingJobsTests
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A trainer on the service's default queue (DATA/jobs), apart from the service's own connection.</summary>
    private static Task<ITrainingJobQueue> WorkerQueueAsync(FleetRig rig) =>
        TrainingJobQueues.OpenAsync(TrainingJobQueues.SqlitePrefix + Path.Combine(rig.Data, "jobs"), ct: Ct);

    private static async Task<JobView> UntilEndedAsync(FleetRig rig, string id)
    {
        JobView job = await rig.Client.JobAsync(id, Ct);
        for (var deadline = DateTime.UtcNow.AddSeconds(15); !job.Ended && DateTime.UtcNow < deadline; job = await rig.Client.JobAsync(id, Ct))
            await Task.Delay(100, Ct);
        return job;
    }

    [Fact]
    public async Task A_job_submitted_over_the_api_and_trained_by_a_worker_lands_in_the_model_store_ready_to_deploy()
    {
        await using var rig = await FleetRig.StartAsync();
        var submitted = await rig.Client.SubmitJobAsync(new TrainingRequest("birds.png", Mode: "sequential", Iterations: 2, MaxSize: 48, Seed: 3), Png, Ct);
        (submitted.State, submitted.Image, submitted.Mode, submitted.Iterations, submitted.MaxSize, submitted.Seed, submitted.Package)
            .ShouldBe(("queued", "birds.png", "sequential", (int?)2, (int?)48, 3, (string?)null));

        await using var worker = await WorkerQueueAsync(rig);
        var lease = (await worker.ClaimAsync("fake-trainer", TimeSpan.FromMinutes(1), Ct)).ShouldNotBeNull();
        lease.Image.ShouldBe(Png);
        lease.Job.Request.ShouldBe(new TrainingRequest("birds.png", "quick", "sequential", 2, 48, 3));
        await worker.RenewAsync(lease, "1 scales done; scale 1 at iteration 1/2", Ct);
        var running = await rig.Client.JobAsync(submitted.Id, Ct);
        (running.State, running.Worker, running.Progress, running.Attempts).ShouldBe(("running", "fake-trainer", "1 scales done; scale 1 at iteration 1/2", 1));
        await worker.CompleteAsync(lease, rig.Package, Ct); // signed with the fleet's key

        var done = await UntilEndedAsync(rig, submitted.Id);
        (done.State, done.Error).ShouldBe(("succeeded", null));
        done.Package.ShouldNotBeNull();
        (await rig.Client.PackagesAsync(Ct)).Select(p => p.Sha256).ShouldBe([done.Package]);
        (await rig.Client.JobsAsync(Ct)).Single().Package.ShouldBe(done.Package);
        File.ReadAllText(Path.Combine(rig.Data, JobHarvester.File)).ShouldContain(done.Package);

        // A restart remembers what was harvested, and the package is deployable again from the model store.
        await rig.RestartServiceAsync();
        (await rig.Client.JobAsync(submitted.Id, Ct)).Package.ShouldBe(done.Package);
        (await rig.Client.PackagesAsync(Ct)).Select(p => p.Sha256).ShouldBe([done.Package]);
    }

    [Fact]
    public async Task A_package_signed_with_another_key_is_refused_with_the_reason_and_later_jobs_are_still_harvested()
    {
        await using var rig = await FleetRig.StartAsync();
        var (foreign, _, _) = TestPackages.WriteSigned(Path.Combine(rig.Dir, "elsewhere"));
        var first = await rig.Client.SubmitJobAsync(new TrainingRequest("birds.png"), Png, Ct);
        var second = await rig.Client.SubmitJobAsync(new TrainingRequest("balloons.jpg"), Jpeg, Ct);
        await using var worker = await WorkerQueueAsync(rig);

        await worker.CompleteAsync((await worker.ClaimAsync("w", TimeSpan.FromMinutes(1), Ct))!, foreign, Ct);
        var refused = await UntilEndedAsync(rig, first.Id);
        await worker.CompleteAsync((await worker.ClaimAsync("w", TimeSpan.FromMinutes(1), Ct))!, rig.Package, Ct);
        var accepted = await UntilEndedAsync(rig, second.Id);

        (refused.State, refused.Package).ShouldBe(("succeeded", null));
        refused.Error.ShouldNotBeNull().ShouldStartWith("the model store refused the job's package: ");
        refused.Error.ShouldContain("signature");
        accepted.Package.ShouldNotBeNull();
        accepted.Error.ShouldBeNull();
        (await rig.Client.PackagesAsync(Ct)).Select(p => p.Sha256).ShouldBe([accepted.Package]);
        Directory.GetDirectories(rig.Service.Options.ModelsDir).Length.ShouldBe(1); // the refused one never entered the store
    }

    [Fact]
    public async Task An_operator_cancels_a_queued_job_over_the_api_and_is_told_why_when_it_cannot_be_cancelled()
    {
        await using var rig = await FleetRig.StartAsync();
        var submitted = await rig.Client.SubmitJobAsync(new TrainingRequest("birds.png", Iterations: 2), Png, Ct);

        var cancelled = await rig.Client.CancelJobAsync(submitted.Id, "wrong image", Ct);
        var again = await Should.ThrowAsync<FleetApiException>(() => rig.Client.CancelJobAsync(submitted.Id, ct: Ct));
        var unknown = await Should.ThrowAsync<FleetApiException>(() => rig.Client.CancelJobAsync("20200101-000000-00000000", ct: Ct));

        (cancelled.State, cancelled.Error, cancelled.Ended).ShouldBe(("cancelled", "wrong image", true));
        (await rig.Client.JobAsync(submitted.Id, Ct)).State.ShouldBe("cancelled");
        again.Status.ShouldBe(409);
        again.Message.ShouldContain("is cancelled already: only a queued or running job can be cancelled");
        unknown.Status.ShouldBe(404);
        await using var worker = await WorkerQueueAsync(rig);
        (await worker.ClaimAsync("trainer", TimeSpan.FromSeconds(5), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_submission_without_an_image_with_a_corrupt_one_or_with_bad_settings_is_refused_with_the_reason()
    {
        await using var rig = await FleetRig.StartAsync();
        using var http = new HttpClient { BaseAddress = rig.Service.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", rig.Service.Token);
        async Task<(HttpStatusCode Status, string Error)> PostAsync(string query, HttpContent body)
        {
            using var response = await http.PostAsync("api/jobs" + query, body, Ct);
            string text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, response.IsSuccessStatusCode ? text : JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!);
        }
        MultipartFormDataContent Form(byte[]? image, string name, params (string Key, string Value)[] fields)
        {
            var form = new MultipartFormDataContent();
            if (image is not null) form.Add(new ByteArrayContent(image), "image", name);
            foreach (var (key, value) in fields) form.Add(new StringContent(value), key);
            return form;
        }

        (await PostAsync("", Form(null, "", ("preset", "quick")))).ShouldBe((HttpStatusCode.BadRequest, "no training image: send it as the form's file field 'image' (PNG or JPEG)"));
        (await PostAsync("", new ByteArrayContent(Png))).Error.ShouldStartWith("no training image: POST multipart/form-data");
        (await PostAsync("", Form([], "birds.png"))).ShouldBe((HttpStatusCode.BadRequest, "the training image is empty"));
        (await PostAsync("", Form("not an image"u8.ToArray(), "birds.png"))).Error.ShouldContain("'birds.png' is not a PNG or JPEG image");
        (await PostAsync("", Form(Jpeg, "birds.png"))).Error.ShouldBe("'birds.png' is named as a PNG but holds a JPEG; rename it");
        (await PostAsync("", Form(Png, "birds.gif"))).Error.ShouldContain("must end in .png, .jpg or .jpeg");
        (await PostAsync("", Form(Png, "birds.png", ("mode", "progressive")))).Error.ShouldContain("a job trains sequential or parallel");
        (await PostAsync("", Form(Png, "birds.png", ("iterations", "many")))).Error.ShouldBe("iterations must be a whole number, not 'many'");
        (await PostAsync("?image=birds.png&maxSize=10", new ByteArrayContent(Png))).Error.ShouldContain("max size must be between");
        (await rig.Client.JobsAsync(Ct)).ShouldBeEmpty();

        // The raw form: the image as the body, its name and settings in the query.
        var (status, body) = await PostAsync("?image=birds.png&preset=paper&iterations=5&seed=9", new ByteArrayContent(Png));
        status.ShouldBe(HttpStatusCode.Created, body);
        var job = (await rig.Client.JobsAsync(Ct)).Single();
        (job.Image, job.Preset, job.Iterations, job.Seed, job.State).ShouldBe(("birds.png", "paper", (int?)5, 9, "queued"));
        (await Should.ThrowAsync<FleetApiException>(() => rig.Client.JobAsync("20200101-000000-00000000", Ct))).Status.ShouldBe(404);
        (await Should.ThrowAsync<FleetApiException>(() => rig.Client.JobAsync("../jobs", Ct))).Status.ShouldBe(404);
    }
}
