using Microsoft.Data.Sqlite;
using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Tests.Jobs;

/// <summary>The contract against the SQLite backend in a temp folder.</summary>
public sealed class SqliteJobQueueTests : JobQueueContract
{
    protected override Task<ITrainingJobQueue> OpenQueueAsync(TrainingJobQueueOptions options) =>
        TrainingJobQueues.OpenAsync(TrainingJobQueues.SqlitePrefix + Path.Combine(Dir, "fleet"), options, Log.Logger, Ct);

    protected override Task CorruptAsync(string id)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Dir, "fleet", "jobs.db"), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE jobs SET request = '{\"imageName\": ' WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery().ShouldBe(1);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_folder_holds_the_database_images_and_model_store()
    {
        var queue = await OpenAsync();
        var job = await queue.SubmitAsync(new TrainingRequest("birds.jpeg"), Image, Ct);

        queue.Describe.ShouldBe("sqlite:" + Path.Combine(Dir, "fleet"));
        File.Exists(Path.Combine(Dir, "fleet", "jobs.db")).ShouldBeTrue();
        File.ReadAllBytes(Path.Combine(Dir, "fleet", "images", job.Id, "image.jpeg")).ShouldBe(Image);
    }

    [Fact]
    public async Task A_job_stored_before_precision_existed_reads_as_float32()
    {
        var queue = await OpenAsync();
        var job = await queue.SubmitAsync(new TrainingRequest("birds.png", Precision: "int8"), Image, Ct);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Dir, "fleet", "jobs.db"), Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE jobs SET request = '{\"imageName\": \"birds.png\", \"preset\": \"quick\", \"mode\": \"parallel\", \"seed\": 0}' WHERE id = $id";
            command.Parameters.AddWithValue("$id", job.Id);
            command.ExecuteNonQuery().ShouldBe(1);
        }

        (await queue.GetAsync(job.Id, Ct))!.Request.ShouldBe(new TrainingRequest("birds.png"));
    }
}
