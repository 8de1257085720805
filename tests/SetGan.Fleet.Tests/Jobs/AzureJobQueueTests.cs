using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Tests.Jobs;

/// <summary>The contract against Azure Storage (a real Azurite), and what only a shared queue can meet: foreign messages.</summary>
public sealed class AzureJobQueueTests(Azurite azurite) : JobQueueContract, IClassFixture<Azurite>
{
    // A queue and container per test: one Azurite serves the whole class.
    private readonly string name = "jobs-" + Guid.NewGuid().ToString("N")[..12];

    protected override Task<ITrainingJobQueue> OpenQueueAsync(TrainingJobQueueOptions options) =>
        TrainingJobQueues.OpenAsync(TrainingJobQueues.AzurePrefix + azurite.ConnectionString, options with { QueueName = name, ContainerName = name }, Log.Logger, Ct);

    protected override async Task CorruptAsync(string id) =>
        await new BlobContainerClient(azurite.ConnectionString, name).GetBlobClient($"jobs/{id}/job.json").UploadAsync(BinaryData.FromString("{\"job\": [1, 2"), overwrite: true, Ct);

    [Fact]
    public async Task Foreign_queue_messages_are_dropped_with_a_logged_reason_and_the_job_behind_them_is_claimed()
    {
        var queue = await OpenAsync();
        var raw = new QueueClient(azurite.ConnectionString, name);
        await raw.SendMessageAsync("hello, trainers", Ct);
        await raw.SendMessageAsync("20200101-000000-00000000", Ct); // a job id with no job
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png"), Image, Ct);

        var lease = (await queue.ClaimAsync("w1", TimeSpan.FromMinutes(1), Ct))!;

        lease.Job.Id.ShouldBe(job.Id);
        Log.Single("Dropped queue message", "'hello, trainers' is not a job id");
        Log.Single("Dropped queue message", "job 20200101-000000-00000000 has no job.json");
        (await raw.PeekMessagesAsync(10, Ct)).Value.ShouldBeEmpty();
        queue.Describe.ShouldBe($"azure:devstoreaccount1/{name}");
    }

    [Fact]
    public async Task An_unknown_spec_or_a_bad_connection_string_is_refused_without_showing_the_key()
    {
        (await Should.ThrowAsync<ArgumentException>(() => TrainingJobQueues.OpenAsync("redis:localhost", ct: Ct))).Message.ShouldContain("use sqlite:DIR");
        var bad = await Should.ThrowAsync<ArgumentException>(() => TrainingJobQueues.OpenAsync("azure:AccountKey=secret;nonsense", ct: Ct));
        bad.Message.ShouldContain("connection string");
        bad.Message.ShouldNotContain("secret");
    }
}
