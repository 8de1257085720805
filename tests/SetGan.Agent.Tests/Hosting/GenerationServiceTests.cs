using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SetGan.Core.Tests.Packaging;
using SetGan.Core.Hosting;

namespace SetGan.Agent.Tests.Hosting;

/// <summary>The running agent generates, stores images in the outbox, and takes a new k from its config file without a restart.</summary>
public sealed class GenerationServiceTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-agentgen-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private static string Config(int k) => $$"""{ "Agent": { "K": {{k}}, "ImagesPerMinute": 600 } }""";

    private async Task<bool> WaitFor(Func<bool> condition, Process agent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition() && DateTime.UtcNow < deadline && !agent.HasExited) await Task.Delay(50, TestContext.Current.CancellationToken);
        return condition();
    }

    [Fact]
    public async Task A_new_k_in_the_watched_config_file_takes_effect_without_a_restart()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (package, _, _) = TestPackages.WriteSigned(dir);
        string config = Path.Combine(dir, "agent.json");
        File.WriteAllText(config, Config(1));
        string images = Path.Combine(dir, "data", "images");
        using var agent = AgentProcess.Start("--device", "pi-07", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219", "--package", package,
            "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"), "--data", Path.Combine(dir, "data"), "--config", config);
        var stdout = agent.StandardOutput.ReadToEndAsync(cancel);
        var stderr = agent.StandardError.ReadToEndAsync(cancel);
        bool Has(string k) => Directory.Exists(images) && Directory.GetFiles(images, $"*-{k}-*.png").Length > 0;

        bool first = await WaitFor(() => Has("k1"), agent);
        File.WriteAllText(config, Config(3));
        bool changed = first && await WaitFor(() => Has("k3"), agent);
        File.WriteAllText(config, Config(42)); // out of range: refused, k = 3 stays
        await Task.Delay(1500, cancel);
        ProcessStop.Interrupt(agent);
        await agent.WaitForExitAsync(cancel);
        string output = await stdout + await stderr;

        first.ShouldBeTrue(output);
        changed.ShouldBeTrue(output);
        agent.ExitCode.ShouldBe(0, output);
        output.ShouldContain("Configuration change refused, the old settings stay: k = 42 is outside");
        using var db = new SqliteConnection($"Data Source={Path.Combine(dir, "data", "outbox.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM messages WHERE kind = 'image'";
        Convert.ToInt64(count.ExecuteScalar()).ShouldBe(Directory.GetFiles(images, "*.png").Length);
    }
}
