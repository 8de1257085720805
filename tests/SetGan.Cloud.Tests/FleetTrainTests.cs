using System.Text.RegularExpressions;
using SetGan.Fleet.Client;
using SetGan.Fleet.Service;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Tests;

/// <summary>`setgan fleet serve --workers 1` and `setgan fleet train --wait` through the real program: one machine receives, trains and publishes.</summary>
public sealed partial class FleetTrainTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-fleet-train-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_job_submitted_with_train_wait_is_trained_inside_the_service_and_its_package_is_ready_to_deploy()
    {
        var ct = TestContext.Current.CancellationToken;
        string data = Path.Combine(dir, "fleet");
        using var serve = SetGanProcess.Start("fleet", "serve", "--data", data, "--port", "0", "--mqtt-port", "0", "--https-port", "0", "--workers", "1");
        var serveOut = serve.StandardOutput.ReadToEndAsync(ct);
        var serveErr = serve.StandardError.ReadToEndAsync(ct);
        try
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(60); !File.Exists(Path.Combine(data, ServiceEndpoint.File)) && !serve.HasExited && DateTime.UtcNow < deadline;)
                await Task.Delay(100, ct);
            if (serve.HasExited) throw new ShouldAssertException($"the service ended:\n{await serveErr}");

            var train = await SetGanProcess.RunAsync("fleet", "train", SetGanProcess.WriteTinyBalloons(dir), "--iterations", "2", "--max-size", "48", "--seed", "3",
                "--wait", "--data", data);
            var jobs = await SetGanProcess.RunAsync("fleet", "jobs", "--data", data);

            train.ExitCode.ShouldBe(0, train.Stderr);
            train.Stdout.ShouldContain("queued: tiny.png (quick, parallel, float32)");
            train.Stdout.ShouldContain("running on ");
            string sha = PackageLine().Match(train.Stdout).Groups["sha"].Value;
            sha.Length.ShouldBe(64, train.Stdout);
            using var client = FleetClient.ForDataFolder(data);
            var package = (await client.PackagesAsync(ct)).ShouldHaveSingleItem();
            (package.Sha256, package.SourceImage, package.Scales).ShouldBe((sha, "tiny.png", 4));
            var job = (await client.JobsAsync(ct)).ShouldHaveSingleItem();
            (job.State, job.Package, job.Attempts).ShouldBe(("succeeded", sha, 1));
            job.Worker.ShouldEndWith("-1");
            jobs.ExitCode.ShouldBe(0, jobs.Stderr);
            jobs.Stdout.ShouldContain($"{job.Id} │ tiny.png │ succeeded │ {job.Worker}");
            jobs.Stdout.ShouldContain($"│ 1        │ {sha[..12]} │");
            var late = await SetGanProcess.RunAsync("fleet", "cancel", job.Id, "--data", data);
            late.ExitCode.ShouldBe(1);
            late.Stderr.ShouldContain($"job {job.Id} is succeeded already: only a queued or running job can be cancelled");
        }
        finally
        {
            ProcessStop.Interrupt(serve);
            await serve.WaitForExitAsync(ct);
        }
        (await serveOut).ShouldContain("1 trainer(s) in this process");
        serve.ExitCode.ShouldBe(0, await serveErr);
    }

    [GeneratedRegex(@"succeeded; package (?<sha>[0-9a-f]{64}) is in the model store")]
    private static partial Regex PackageLine();
}
