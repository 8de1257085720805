using SetGan.Core.Link;
using Microsoft.Data.Sqlite;
using SetGan.Agent.Outbox;
using SetGan.Agent.Power;

namespace SetGan.Agent.Tests.Outbox;

public sealed class OutboxTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-outbox-").FullName;
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private string Db => Path.Combine(dir, "outbox.db");

    private static byte[] Batch(int samples, double start = 0) =>
        Enumerable.Range(0, samples).Select(i => new PowerSample(T0.AddSeconds(start + i * 0.01), 5, 0.6, 3, "test")).ToList().ToBatch("pi-01").Encode();

    [Fact]
    public void Messages_wait_in_order_with_ids_until_the_link_acknowledges_them()
    {
        using var outbox = new SetGan.Agent.Outbox.Outbox(Db, 10_000_000, Serilog.Core.Logger.None);
        long a = outbox.Enqueue(SetGan.Agent.Outbox.Outbox.Power, Batch(10), T0);
        long b = outbox.Enqueue(SetGan.Agent.Outbox.Outbox.Image, [1, 2, 3], T0.AddSeconds(1));
        long c = outbox.Enqueue(SetGan.Agent.Outbox.Outbox.Power, Batch(10, 1), T0.AddSeconds(2));

        (a < b && b < c).ShouldBeTrue();
        outbox.Peek(10).Select(m => m.Id).ShouldBe([a, b, c]);
        outbox.Acknowledge([a, b]);
        outbox.Peek(10).Select(m => (m.Id, m.Kind)).ShouldBe([(c, "power")]);
    }

    [Fact]
    public void A_read_stops_after_a_megabyte_of_bodies_but_always_returns_the_oldest()
    {
        using var outbox = new SetGan.Agent.Outbox.Outbox(Db, 100_000_000, Serilog.Core.Logger.None);
        var image = new byte[400_000];
        long[] ids = [.. Enumerable.Range(0, 5).Select(i => outbox.Enqueue(SetGan.Agent.Outbox.Outbox.Image, image, T0.AddSeconds(i)))];

        outbox.Peek(64).Select(m => m.Id).ShouldBe(ids[..3]); // 1.2 MB read, then it stops: never 64 images in memory at once
        outbox.Peek(64, maxBytes: 1).Select(m => m.Id).ShouldBe([ids[0]]); // one always comes, however large
        outbox.Acknowledge(ids[..3]);
        outbox.Peek(64).Select(m => m.Id).ShouldBe(ids[3..]);
    }

    [Fact]
    public void What_was_stored_is_there_after_reopening()
    {
        long id;
        using (var outbox = new SetGan.Agent.Outbox.Outbox(Db, 10_000_000, Serilog.Core.Logger.None)) id = outbox.Enqueue("image", [9, 9], T0);
        using var again = new SetGan.Agent.Outbox.Outbox(Db, 10_000_000, Serilog.Core.Logger.None);
        again.Peek(1).Single().ShouldSatisfyAllConditions(m => m.Id.ShouldBe(id), m => m.Body.ShouldBe(new byte[] { 9, 9 }));
        again.Enqueue("image", [1], T0).ShouldBeGreaterThan(id); // ids keep growing: the order survives restarts
    }

    [Fact]
    public void Over_the_quota_the_oldest_power_batches_are_thinned_first_and_say_so()
    {
        // A quota 500 bytes short of what the four messages below need.
        long quota = Batch(100).Length + 2000 + Batch(40, 5).Length + 3000 - 500;
        using var outbox = new SetGan.Agent.Outbox.Outbox(Db, quota, Serilog.Core.Logger.None);
        long old = outbox.Enqueue("power", Batch(100), T0);
        long image = outbox.Enqueue("image", new byte[2000], T0);
        long newer = outbox.Enqueue("power", Batch(40, 5), T0);
        int before = PowerBatch.Decode(outbox.Peek(1)[0].Body).Samples.Count;

        outbox.Enqueue("image", new byte[3000], T0); // does not fit without room being made

        var messages = outbox.Peek(10);
        var thinned = PowerBatch.Decode(messages.Single(m => m.Id == old).Body);
        thinned.Thinned.ShouldBeGreaterThanOrEqualTo(1);
        thinned.Samples.Count.ShouldBeLessThan(before);
        thinned.Samples[^1].T.ShouldBe(0.99, 1e-9); // the first and last sample of a batch stay
        messages.Single(m => m.Id == image).Body.Length.ShouldBe(2000); // images are never thinned
        messages.Select(m => m.Id).ShouldContain(newer);
        PowerBatch.Decode(messages.Single(m => m.Id == newer).Body).Thinned.ShouldBe(0); // the oldest went first, and was enough
        outbox.PendingBytes.ShouldBeLessThanOrEqualTo(quota);
    }

    [Fact]
    public void When_nothing_can_be_thinned_a_new_message_is_refused_and_nothing_is_lost()
    {
        using var outbox = new SetGan.Agent.Outbox.Outbox(Db, 5_000, Serilog.Core.Logger.None);
        outbox.Enqueue("image", new byte[4000], T0);

        Should.Throw<OutboxFullException>(() => outbox.Enqueue("image", new byte[2000], T0)).Message.ShouldContain("outbox is full");
        outbox.PendingCount.ShouldBe(1);
    }
}
