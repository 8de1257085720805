using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using SetGan.Agent.Tests.Hosting;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;
using SetGan.Fleet.Client;
using SetGan.Fleet.Service;
using SetGan.Core.Hosting;

namespace SetGan.Fleet.Tests;

/// <summary>
/// The fleet service in-process (embedded hub on free ports, HTTP API and dashboard) and real agent
/// processes connected to it, each with its own board profile; a tiny package signed with the fleet's key.
/// </summary>
public sealed class FleetRig : IAsyncDisposable
{
    private readonly List<(string Id, Process Process, StringBuilder Output)> agents = [];

    private FleetRig(string dir, FleetService service, string package)
    {
        (Dir, Service, Package) = (dir, service, package);
        Client = new FleetClient(service.Url, service.Token);
    }

    public string Dir { get; }
    public FleetService Service { get; private set; }
    public FleetClient Client { get; private set; }
    public string Package { get; }
    public string Data => Path.Combine(Dir, "fleet");

    public string Output
    {
        get
        {
            var all = new StringBuilder();
            foreach (var (id, _, output) in agents) lock (output) all.Append($"--- {id}\n{output}");
            return all.ToString();
        }
    }

    public static async Task<FleetRig> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("setgan-fleet-").FullName;
        // The package is signed with a key made here; the service takes that pair as the fleet's key.
        var (package, _, _) = TestPackages.WriteSigned(dir);
        string data = Path.Combine(dir, "fleet");
        Directory.CreateDirectory(Path.Combine(data, "keys"));
        foreach (string file in Directory.GetFiles(Path.Combine(dir, "keys"))) File.Copy(file, Path.Combine(data, "keys", Path.GetFileName(file)));
        var service = await StartServiceAsync(data);
        return new FleetRig(dir, service, package);
    }

    private static Task<FleetService> StartServiceAsync(string data, int httpPort = 0, int mqttPort = 0, int httpsPort = 0) =>
        FleetService.StartAsync(new FleetServiceOptions
        {
            DataDir = data, HttpPort = httpPort, MqttPort = mqttPort, HttpsPort = httpsPort, HarvestEvery = TimeSpan.FromMilliseconds(200),
        }, Serilog.Core.Logger.None);

    /// <summary>Stops the service and starts it again on the same ports and data (devices reconnect by themselves).</summary>
    public async Task RestartServiceAsync()
    {
        var (http, mqtt, https) = (Service.Url.Port, Service.Hub.MqttPort, Service.Hub.HttpsPort);
        Client.Dispose();
        await Service.DisposeAsync();
        Service = await StartServiceAsync(Data, http, mqtt, https);
        Client = new FleetClient(Service.Url, Service.Token);
    }

    /// <summary>Registers a device with tags and starts a real agent for it (profiling new packages quickly).</summary>
    public async Task StartAgentAsync(string id, string profile, string[] tags, params string[] extra)
    {
        string connection = await Client.AddDeviceAsync(id, tags);
        string[] args =
        [
            "--device", id, "--profile", profile, "--sensor", "emulated-ina219", "--public-key", Service.PublicKeyPath,
            "--data", Path.Combine(Dir, "agents", id), "--link", "local", "--connection-string", connection,
            "--Agent:ProfileNewPackages", "true", "--Agent:ProfileBatches", "2", "--Agent:ProfileBatchSeconds", "0.3", "--Agent:ProfileIdleSeconds", "0.3",
            "--rate", "200", "--Agent:ImagesPerMinute", "120", "--Agent:Link:MaxBackoffSeconds", "1", .. extra,
        ];
        var process = AgentProcess.Start(args);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        agents.Add((id, process, output));
    }

    /// <summary>Waits until the condition holds over the API (or an agent exits, or the time is up) and says whether it held.</summary>
    public async Task<bool> WaitForAsync(Func<Task<bool>> condition, double seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline && agents.All(a => !a.Process.HasExited))
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return await condition();
    }

    public async Task<DeviceView> DeviceAsync(string id) => await Client.DeviceAsync(id);

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process, _) in agents)
        {
            await ProcessStop.StopAsync(process, TimeSpan.FromSeconds(30));
            process.Dispose();
        }
        Client.Dispose();
        await Service.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
