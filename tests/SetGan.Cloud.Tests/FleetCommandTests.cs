using System.Diagnostics;
using SetGan.Core.Packaging;
using SetGan.Fleet.Client;
using SetGan.Fleet.Service;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Tests;

/// <summary>
/// The operator's commands end to end, every part its own process: `setgan fleet serve`, two real agents on
/// different boards, and `setgan fleet add|deploy|budget|list|revoke` against the service.
/// </summary>
public sealed class FleetCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-fleet-cmd-").FullName;
    private readonly List<Process> processes = [];

    public void Dispose()
    {
        foreach (var p in processes)
        {
            ProcessStop.Interrupt(p);
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill(entireProcessTree: true);
            p.Dispose();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private string Data => Path.Combine(dir, "fleet");

    private void StartAgent(string device, string board, string connectionString)
    {
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])
        [
            "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"), "--device", device, "--profile", board,
            "--sensor", "emulated-ina219", "--public-key", Path.Combine(Data, "keys", PackageSigning.PublicKeyFile), "--data", Path.Combine(dir, device),
            "--link", "local", "--connection-string", connectionString, "--rate", "200", "--Agent:ImagesPerMinute", "120",
            "--Agent:ProfileBatches", "2", "--Agent:ProfileBatchSeconds", "0.3", "--Agent:ProfileIdleSeconds", "0.3", "--Agent:Link:MaxBackoffSeconds", "1",
        ]) info.ArgumentList.Add(a);
        var agent = Process.Start(info)!;
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        processes.Add(agent);
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, double seconds = 120)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(seconds); DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await condition()) return true;
        return false;
    }

    private static string[] Row(string table, string device) =>
        table.Split('\n').First(l => l.Contains($" {device} ")).Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task An_operator_deploys_sets_a_budget_sees_k_change_and_revokes_a_device_with_the_fleet_commands()
    {
        var ct = TestContext.Current.CancellationToken;
        string package = await SetGanProcess.TrainKeysAndExport(dir); // tiny balloons, four scales, signed with dir/keys
        Directory.CreateDirectory(Path.Combine(Data, "keys"));
        foreach (string f in Directory.GetFiles(Path.Combine(dir, "keys"))) File.Copy(f, Path.Combine(Data, "keys", Path.GetFileName(f)));
        (await SetGanProcess.RunAsync("fleet", "list", "--data", Data)).Stderr.ShouldContain("no fleet service has run with data folder");

        var serve = SetGanProcess.Start("fleet", "serve", "--data", Data, "--port", "0", "--mqtt-port", "0", "--https-port", "0", "--workers", "0");
        processes.Add(serve);
        var serveLog = new System.Text.StringBuilder();
        serve.OutputDataReceived += (_, e) => { lock (serveLog) serveLog.AppendLine(e.Data); };
        serve.ErrorDataReceived += (_, e) => { lock (serveLog) serveLog.AppendLine(e.Data); };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        (await WaitForAsync(() => Task.FromResult(File.Exists(Path.Combine(Data, ServiceEndpoint.File)) || serve.HasExited), 60)).ShouldBeTrue();
        serve.HasExited.ShouldBeFalse(serveLog.ToString());

        foreach (var (device, board) in new[] { ("pi-01", "raspberry-pi-4"), ("nano-01", "jetson-nano") })
        {
            var add = await SetGanProcess.RunAsync("fleet", "add", device, "--tag", "lab", "--data", Data);
            add.ExitCode.ShouldBe(0, add.Stderr);
            StartAgent(device, board, add.Stdout.Trim());
        }
        var deploy = await SetGanProcess.RunAsync("fleet", "deploy", package, "--tag", "lab", "--data", Data);
        deploy.ExitCode.ShouldBe(0, deploy.Stderr);
        deploy.Stdout.ShouldContain("published");
        Row(deploy.Stdout, "pi-01")[1].ShouldBe("3"); // no budget: the whole four-scale pyramid
        Row(deploy.Stdout, "nano-01")[1].ShouldBe("3");

        using var client = FleetClient.ForDataFolder(Data);
        (await WaitForAsync(async () => (await client.DevicesAsync(ct)).All(d => d.ActiveK == 3 && d.Images > 0 && d.PowerWatts > 0))).ShouldBeTrue();

        var budget = await SetGanProcess.RunAsync("fleet", "budget", "--device", "pi-01", "--joules-per-image", "0.000001", "--data", Data);
        budget.ExitCode.ShouldBe(0, budget.Stderr);
        Row(budget.Stdout, "pi-01")[1..3].ShouldBe(["0", "no"]); // nothing fits: the cheapest runs, and the table says so
        (await WaitForAsync(async () => (await client.DeviceAsync("pi-01", ct)).ActiveK == 0)).ShouldBeTrue();

        var list = await SetGanProcess.RunAsync("fleet", "list", "--data", Data);
        list.ExitCode.ShouldBe(0, list.Stderr);
        var pi = Row(list.Stdout, "pi-01");
        (pi[2], pi[3], pi[5], pi[6]).ShouldBe(("yes", "raspberry-pi-4", "0", "0"));
        pi[9].ShouldEndWith("W (est.)");
        var nano = Row(list.Stdout, "nano-01");
        (nano[5], nano[6]).ShouldBe(("3", "3"));

        var bad = await SetGanProcess.RunAsync("fleet", "budget", "--device", "pi-01", "--watts", "2", "--data", Data);
        bad.ExitCode.ShouldBe(1);
        bad.Stderr.ShouldContain("watts with imagesPerMinute");

        var revoke = await SetGanProcess.RunAsync("fleet", "revoke", "nano-01", "--data", Data);
        revoke.ExitCode.ShouldBe(0, revoke.Stderr);
        (await WaitForAsync(async () => !(await client.DeviceAsync("nano-01", ct)).Connected, 5)).ShouldBeTrue();
    }
}
