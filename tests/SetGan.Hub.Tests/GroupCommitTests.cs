namespace SetGan.Hub.Tests;

/// <summary>
/// The hub's writer commits whatever arrived together in one transaction (docs/benchmarks.md); a message
/// whose work fails must fail alone, and the others in its transaction still commit.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-groupcommit-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Func<Microsoft.Data.Sqlite.SqliteConnection, Microsoft.Data.Sqlite.SqliteTransaction, int> Tag(string device, bool thenFail = false) => (c, tx) =>
    {
        c.Execute("INSERT INTO device_tags (device, tag) VALUES ($d, 'lab')", tx, ("$d", device));
        return thenFail ? throw new InvalidOperationException($"{device} failed after writing") : 1;
    };

    [Fact]
    public async Task A_failing_message_in_a_batch_fails_alone_and_leaves_nothing_while_the_others_commit()
    {
        using var db = new HubDatabase(Path.Combine(dir, "hub.db"));
        using var hold = new ManualResetEventSlim();
        // Hold the database so that the writer, busy with the first message, finds the next three waiting together.
        var holding = Task.Run(() => db.Read(_ => hold.Wait(TimeSpan.FromSeconds(10))), TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var first = db.InBatchAsync(Tag("d-0"));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var good = db.InBatchAsync(Tag("d-1"));
        var bad = db.InBatchAsync(Tag("d-2", thenFail: true));
        var last = db.InBatchAsync(Tag("d-3"));
        hold.Set();
        await holding;

        (await first, await good, await last).ShouldBe((1, 1, 1));
        (await Should.ThrowAsync<InvalidOperationException>(() => bad)).Message.ShouldBe("d-2 failed after writing");
        db.Read(c => c.Query("SELECT device FROM device_tags ORDER BY device", r => r.GetString(0))).ShouldBe(["d-0", "d-1", "d-3"]);
    }
}
