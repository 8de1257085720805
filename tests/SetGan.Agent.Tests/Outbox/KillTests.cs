using SetGan.Core.Link;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SetGan.Agent.Tests.Hosting;
using SetGan.Core.Hosting;

namespace SetGan.Agent.Tests.Outbox;

/// <summary>SIGKILL in the middle of a run loses nothing that was already recorded.</summary>
public sealed class KillTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-kill-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private List<long> StoredIds() => OutboxFile.Query(dir, "SELECT id FROM messages ORDER BY id", r => r.GetInt64(0));

    [Fact]
    public async Task Power_batches_committed_before_a_sigkill_are_all_there_after_it()
    {
        var cancel = TestContext.Current.CancellationToken;
        string[] run = ["--device", "pi-09", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219", "--rate", "200", "--data", dir, "--Agent:PowerBatchSeconds", "0.2"];
        using var agent = AgentProcess.Start(run);
        var stdout = agent.StandardOutput.ReadToEndAsync(cancel);
        var stderr = agent.StandardError.ReadToEndAsync(cancel);

        // Watch the file from outside, as another process would: what this reader sees is committed.
        List<long> seen = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 5 && DateTime.UtcNow < deadline && !agent.HasExited)
        {
            await Task.Delay(100, cancel);
            if (File.Exists(Path.Combine(dir, "outbox.db"))) { try { seen = StoredIds(); } catch (SqliteException) { } }
        }
        if (seen.Count < 5) throw new ShouldAssertException($"the agent stored {seen.Count} batches:\n{(agent.HasExited ? await stdout + await stderr : "")}");
        Process.Start("kill", ["-KILL", agent.Id.ToString()])!.WaitForExit();
        await agent.WaitForExitAsync(cancel);

        agent.ExitCode.ShouldBe(137);
        var after = StoredIds();
        seen.ShouldAllBe(id => after.Contains(id));
        using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, "outbox.db")};Pooling=False"))
        {
            db.Open();
            using var check = db.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            ((string)check.ExecuteScalar()!).ShouldBe("ok");
        }

        // Restarted, it carries on after the last id.
        using var again = AgentProcess.Start(run);
        var deadline2 = DateTime.UtcNow.AddSeconds(60);
        while (StoredIds().Max() <= after.Max() && DateTime.UtcNow < deadline2) await Task.Delay(100, cancel);
        ProcessStop.Interrupt(again);
        await again.WaitForExitAsync(cancel);
        var final = StoredIds();
        final.Max().ShouldBeGreaterThan(after.Max());
        after.ShouldAllBe(id => final.Contains(id));
    }
}
