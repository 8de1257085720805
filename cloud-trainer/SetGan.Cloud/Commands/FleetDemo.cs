using System.Diagnostics;
using System.Text.Json.Nodes;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Fleet;
using SetGan.Fleet.Service;
using Spectre.Console;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Commands;

/// <summary>
/// The fleet half of `setgan demo`: the fleet service (embedded hub, k* controller, dashboard) in this
/// process, three real agents as child processes with different boards and emulated INA219 sensors, the
/// demo's package deployed to them, a fleet budget that gives each board its own k*, one budget changed
/// remotely, images and power streamed back, and a summary table.
/// </summary>
public sealed class FleetDemo : IAsyncDisposable
{
    /// <summary>The demo's boards: one device each, named after it.</summary>
    private static readonly (string Device, string Board)[] Boards =
        [("pi5-01", "raspberry-pi-5"), ("pi4-01", "raspberry-pi-4"), ("nano-01", "jetson-nano")];

    private const string Tag = "demo";
    private readonly string root;
    private readonly Serilog.ILogger log;
    private readonly List<(string Device, Process Process)> agents = [];
    private FleetService? service;

    private FleetDemo(string root, Serilog.ILogger log) => (this.root, this.log) = (root, log);

    public static async Task RunAsync(string root, string package, string keys, int httpPort, bool keepRunning, CancellationToken cancel)
    {
        using var log = RunLog.Create(Path.Combine(root, "fleet", "logs", "fleet.json"), quiet: true);
        await using var demo = new FleetDemo(root, log);
        await demo.RunAsync(package, keys, httpPort, keepRunning, cancel);
    }

    private async Task RunAsync(string package, string keys, int httpPort, bool keepRunning, CancellationToken cancel)
    {
        string data = Path.Combine(root, "fleet");
        // The fleet signs and verifies with the demo's key pair, so the package made above deploys as it is.
        Directory.CreateDirectory(Path.Combine(data, "keys"));
        foreach (string file in new[] { PackageSigning.PrivateKeyFile, PackageSigning.PublicKeyFile })
            File.Copy(Path.Combine(keys, file), Path.Combine(data, "keys", file), overwrite: true);
        service = await FleetService.StartAsync(new FleetServiceOptions { DataDir = data, HttpPort = httpPort, MqttPort = 0, HttpsPort = 0 }, log, cancel);
        System.Console.WriteLine($"fleet service: dashboard {service.DashboardUrl}");

        foreach (var (device, board) in Boards) StartAgent(device, board);
        var published = service.Models.Add(package);
        int n = published.Manifest.Scales.Count - 1;
        foreach (var (device, _) in Boards)
        {
            // A fresh start: no budget until the devices have measured the package.
            await service.Hub.UpdateDesiredAsync(device, new JsonObject { [TwinProperties.Budget] = null }, cancel);
            await service.Controller.DeployAsync(device, published.Reference, cancel);
        }
        System.Console.WriteLine($"deployed package {published.Reference.Sha256[..12]} ({n + 1} scales) to {Boards.Length} agents; each measures every k on its own sensor");
        await WatchAsync("agents download the package, run it and measure every k",
            () => Boards.All(b => Curve(b.Device)?.Source is FleetViews.ProfiledEstimated or FleetViews.Measured
                && Row(b.Device) is { ActiveK: var k, Status: "running", Package: var sha } && k == n && sha == published.Reference.Sha256),
            TimeSpan.FromMinutes(4), cancel);

        // One budget for the whole fleet, between what the boards measured, so that each gets its own k*.
        var curves = Boards.Select(b => Curve(b.Device)!).ToList();
        double budget = FleetBudget(curves, n);
        System.Console.WriteLine($"fleet budget for tag '{Tag}': {budget:G3} J per image (between what the boards measured for k = {Math.Max(0, n - 2)}..{n})");
        foreach (var (device, _) in Boards)
            await service.Controller.SetBudgetAsync(device, new BudgetSettings(null, budget, 60), cancel);
        await WatchAsync("each device switches to its own k*", () => Boards.All(b => Row(b.Device) is { ActiveK: { } k, KStar: { } s } && k == s),
            TimeSpan.FromMinutes(2), cancel);

        // One budget changed remotely: the Pi 4 is told to spend less than its k* costs it, so its k drops. (A fixed
        // fraction of the fleet budget did not always: a run's measured curve could still fit the same k.)
        var (changed, _) = Boards[1];
        int before = Row(changed).ActiveK ?? n;
        double lower = before > 0 ? 0.9 * Curve(changed)!.JoulesPerImage[before] : budget / 3;
        var tighter = await service.Controller.SetBudgetAsync(changed, new BudgetSettings(null, lower, 60), cancel);
        System.Console.WriteLine($"budget of {changed} changed remotely to {lower:G3} J per image: k* {before} -> {tighter?.K} ({tighter?.Reason})");
        await WatchAsync($"{changed} switches to k = {tighter?.K}", () => Row(changed).ActiveK == tighter?.K, TimeSpan.FromMinutes(2), cancel);
        await WatchAsync("images and power stream in", () => Boards.All(b => service.Views.Images(b.Device, 50).Count(i => i.K == Row(b.Device).ActiveK) >= 3),
            TimeSpan.FromMinutes(2), cancel);

        Summary(published.Manifest);
        System.Console.WriteLine($"images received: {Path.Combine(data, "hub", "images")}/DEVICE/; agent logs: {Path.Combine(root, "agents")}/DEVICE/agent.log; fleet log: {Path.Combine(data, "logs", "fleet.json")}");
        if (keepRunning)
        {
            System.Console.WriteLine($"the fleet keeps running: open {service.DashboardUrl} (Ctrl+C stops)");
            try { await Task.Delay(Timeout.Infinite, cancel); }
            catch (OperationCanceledException) { }
        }
        else System.Console.WriteLine("(`setgan demo --keep-running` leaves the fleet and its dashboard running)");
    }

    private void StartAgent(string device, string board)
    {
        var hub = service!.Hub;
        if (hub.Devices.Get(device) is null) hub.Devices.Add(device);
        hub.Devices.AddTag(device, Tag);
        string folder = Path.Combine(root, "agents", device);
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])
        [
            Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"), "--device", device, "--profile", board, "--sensor", "emulated-ina219",
            "--public-key", service.PublicKeyPath, "--data", folder, "--link", "local", "--connection-string", hub.ConnectionString(device),
            "--rate", "200", "--ort-threads", "1", "--Agent:ImagesPerMinute", "30", "--Agent:ProfileBatches", "3", "--Agent:ProfileBatchSeconds", "0.5",
            "--Agent:ProfileIdleSeconds", "0.5", "--Agent:Link:MaxBackoffSeconds", "2",
        ]) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the agent (dotnet setgan-agent.dll)");
        var output = new StreamWriter(Path.Combine(folder, "agent.log"), append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (output) output.Dispose(); };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        agents.Add((device, process));
        log.Information("Started agent {Device} ({Board}), pid {Pid}, log {Log}", device, board, process.Id, Path.Combine(folder, "agent.log"));
    }

    /// <summary>
    /// A budget that separates the boards: the geometric mean of the middle board's energy at k = n - 1 and
    /// k = n, so a board that spends less per image affords more scales than one that spends more.
    /// </summary>
    private static double FleetBudget(IReadOnlyList<DeviceCurve> curves, int n)
    {
        if (n == 0) return curves.Max(c => c.JoulesPerImage[0]) * 2;
        var middle = curves.OrderBy(c => c.JoulesPerImage[n]).ElementAt(curves.Count / 2);
        return Math.Sqrt(middle.JoulesPerImage[n - 1] * middle.JoulesPerImage[n]);
    }

    private DeviceView Row(string device) => service!.Views.Device(device)!;
    private DeviceCurve? Curve(string device) => service!.Views.Packages().FirstOrDefault()?.Devices.FirstOrDefault(c => c.Device == device);

    /// <summary>Shows the fleet (live table when a terminal watches, a line per change otherwise) until the condition holds.</summary>
    private async Task WatchAsync(string what, Func<bool> done, TimeSpan limit, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + limit;
        System.Console.WriteLine($"waiting: {what}");
        async Task Loop(Action<Table> show)
        {
            while (!done())
            {
                if (agents.FirstOrDefault(a => a.Process.HasExited) is { Process: not null } dead)
                    throw new InvalidOperationException($"agent {dead.Device} exited with code {dead.Process.ExitCode}; see {Path.Combine(root, "agents", dead.Device, "agent.log")}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"the fleet did not get there in {limit.TotalMinutes:F0} minutes: {what}");
                show(Table());
                await Task.Delay(500, cancel);
            }
            show(Table());
        }
        if (RunLog.Interactive)
            await AnsiConsole.Live(Table()).StartAsync(async context => await Loop(t => context.UpdateTarget(t)));
        else
        {
            string last = "";
            await Loop(t =>
            {
                string state = string.Join("; ", Boards.Select(b => Row(b.Device)).Select(d => $"{d.Id} {d.Status ?? "offline"} k {d.ActiveK?.ToString() ?? "-"}/{d.KStar?.ToString() ?? "-"}"));
                if (state != last) System.Console.WriteLine($"  {state}");
                last = state;
            });
        }
    }

    private Table Table()
    {
        var table = new Table().AddColumns("device", "board", "online", "status", "k / k*", "budget", "J per image", "power now", "images");
        foreach (var (device, _) in Boards)
        {
            var d = Row(device);
            table.AddRow(device, d.Profile ?? "-", d.Connected ? "yes" : "no", Markup.Escape(d.Status ?? "-"), $"{d.ActiveK?.ToString() ?? "-"} / {d.KStar?.ToString() ?? "-"}",
                Markup.Escape(FleetCommands.BudgetText(d)), d.JoulesPerImage is { } e ? $"{e:G3}" : "-",
                d.PowerWatts is { } w ? $"{w:F2} W" : "-", d.Images.ToString());
        }
        return table;
    }

    private void Summary(PackageManifest manifest)
    {
        var table = new Table().AddColumns("device", "board", "k*", "running", "J per image (emulated INA219)", "SSIM at k*", "images", "power samples");
        foreach (var (device, board) in Boards)
        {
            var d = Row(device);
            var images = service!.Views.Images(device, 100).Where(i => i.K == d.ActiveK && i.Joules is not null).ToList();
            double? ssim = d.KStar is { } k ? manifest.Quality?.FirstOrDefault(q => q.K == k)?.Ssim : null;
            table.AddRow(device, board, d.KStar?.ToString() ?? "-", d.ActiveK?.ToString() ?? "-",
                images.Count > 0 ? $"{images.Average(i => i.Joules!.Value):G3} (mean of {images.Count})" : "-", ssim is { } s ? $"{s:F3}" : "-",
                d.Images.ToString(), service.Hub.Telemetry.PowerSampleCount(device).ToString());
        }
        AnsiConsole.Write(new Rule("the fleet"));
        AnsiConsole.Write(table);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process) in agents)
        {
            await ProcessStop.StopAsync(process, TimeSpan.FromSeconds(20));
            process.Dispose();
        }
        if (service is not null) await service.DisposeAsync();
    }
}
