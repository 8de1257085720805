using Microsoft.Data.Sqlite;
using SetGan.Agent.Hosting;
using SetGan.Agent.Tests.Hosting;
using SetGan.Core.Hosting;
using SetGan.Core.Link;

namespace SetGan.Agent.Tests.Outbox;

/// <summary>Fast sensing is stored in messages of bounded size, in order, without waiting for the batch period.</summary>
public sealed class PowerBatchTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-batches-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private List<byte[]> StoredBatches() => OutboxFile.Query(dir, "SELECT body FROM messages WHERE kind = 'power' ORDER BY id", r => (byte[])r[0]);

    [Fact]
    public async Task At_1_kHz_batches_are_stored_once_full_and_stay_small_and_in_order()
    {
        var cancel = TestContext.Current.CancellationToken;
        // A 60 s period: every batch stored within the test's first seconds was stored because it was full.
        using var agent = AgentProcess.Start("--device", "pi-10", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219", "--rate", "1000",
            "--data", dir, "--Agent:PowerBatchSeconds", "60");
        var output = agent.StandardOutput.ReadToEndAsync(cancel);
        var errors = agent.StandardError.ReadToEndAsync(cancel);
        var deadline = DateTime.UtcNow.AddSeconds(45);
        int stored = 0;
        while (stored < 3 && DateTime.UtcNow < deadline && !agent.HasExited)
        {
            await Task.Delay(200, cancel);
            if (File.Exists(Path.Combine(dir, "outbox.db"))) { try { stored = StoredBatches().Count; } catch (SqliteException) { } }
        }
        ProcessStop.Interrupt(agent);
        await agent.WaitForExitAsync(cancel);
        if (stored < 3) throw new ShouldAssertException($"{stored} power batches stored in 45 s at 1 kHz with a 60 s period:\n{await output}{await errors}");

        var bodies = StoredBatches();
        var batches = bodies.Select(PowerBatch.Decode).ToList();
        batches.ShouldAllBe(b => b.Samples.Count <= PowerService.MaxSamplesPerBatch);
        batches.Take(3).ShouldAllBe(b => b.Samples.Count == PowerService.MaxSamplesPerBatch); // full ones, long before the period
        bodies.ShouldAllBe(b => b.Length < 85_000); // under the large-object heap's threshold
        var times = batches.SelectMany(b => b.Samples.Select(s => b.From.AddSeconds(s.T))).ToList();
        times.Zip(times.Skip(1)).ShouldAllBe(p => p.Second > p.First); // in order, none twice, across batches
        agent.ExitCode.ShouldBe(0);
    }
}
