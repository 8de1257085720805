using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using SetGan.Agent.Tests.Hosting;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;
using SetGan.Hub;
using SetGan.Hub.Tests;
using System.Security.Cryptography.X509Certificates;
using SetGan.Core.Hosting;

namespace SetGan.Link.Tests;

/// <summary>
/// A hub and one real agent process connected to it over TLS: the keys, a signed tiny package, the
/// device registered, and helpers to wait on the twin and the agent's output. Mode "local" is the
/// embedded hub; mode "mqtt" is a real mosquitto with the hub's bridge beside the agent on it.
/// </summary>
public sealed class LinkRig : IAsyncDisposable
{
    public const string Device = "pi-01";
    private readonly StringBuilder output = new();
    private Process? agent;
    private string? connectionString;

    private Mosquitto? broker;
    private bool cloudStopped;

    private LinkRig(string mode, string dir, IDeviceHub hub, string package, string privateKey, string publicKeyPath)
    {
        Mode = mode;
        Dir = dir;
        Hub = hub;
        Package = package;
        PrivateKey = privateKey;
        PublicKeyPath = publicKeyPath;
    }

    public string Dir { get; }
    public string Mode { get; }
    public IDeviceHub Hub { get; private set; }
    public string Package { get; }
    public string PrivateKey { get; }
    public string PublicKeyPath { get; }
    public string AgentData => Path.Combine(Dir, "agent");
    public string Output { get { lock (output) return output.ToString(); } }

    public static async Task<LinkRig> StartAsync(string mode = "local")
    {
        string dir = Directory.CreateTempSubdirectory("setgan-link-").FullName;
        var (package, privateKey, _) = TestPackages.WriteSigned(dir);
        string publicKey = Path.Combine(dir, "keys", PackageSigning.PublicKeyFile);
        if (mode == "local")
        {
            var hub = await EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(dir, "hub") }, Serilog.Core.Logger.None);
            hub.Devices.Add(Device);
            var local = new LinkRig(mode, dir, hub, package, privateKey, publicKey);
            local.connectionString = hub.ConnectionString(Device);
            return local;
        }
        var broker = await Mosquitto.StartAsync(Device);
        var bridge = await BrokerBridge.StartAsync(Bridge(dir, broker), Serilog.Core.Logger.None);
        bridge.Devices.Add(Device);
        return new LinkRig(mode, dir, bridge, package, privateKey, publicKey)
        {
            broker = broker,
            // A plain broker: user name and password from its password file, its CA to trust (for packages too).
            connectionString = $"HostName=localhost;DeviceId={Device};Port={broker.Port};Username={Device};Password={broker.Passwords[Device]};CaFile={broker.CaFile}",
        };
    }

    private static BridgeOptions Bridge(string dir, Mosquitto broker, int httpsPort = 0)
    {
        // The bridge serves packages with the broker's own certificate, so the device trusts both through one CA file.
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(broker.Folder, "server.crt"), Path.Combine(broker.Folder, "server.key"));
        return new BridgeOptions
        {
            DataDir = Path.Combine(dir, "hub"), Host = "localhost", Port = broker.Port, Username = Mosquitto.BridgeUser,
            Password = broker.Passwords[Mosquitto.BridgeUser], CaFile = broker.CaFile, HttpsPort = httpsPort,
            PackagesCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null),
        };
    }

    /// <summary>Starts the agent with the link to the hub; extra arguments are configuration (--Agent:Key value).</summary>
    public void StartAgent(bool withPackage, params string[] extra)
    {
        string[] args =
        [
            "--device", Device, "--profile", "raspberry-pi-4", "--sensor", "estimate", "--public-key", PublicKeyPath, "--data", AgentData,
            "--link", Mode, "--connection-string", connectionString!,
            "--Agent:ProfileNewPackages", "false", "--Agent:ImagesPerMinute", "120", "--Agent:Link:MaxBackoffSeconds", "1",
            .. withPackage ? (string[])["--package", Package] : [], .. extra,
        ];
        agent = AgentProcess.Start(args);
        agent.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        agent.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
    }

    /// <summary>Stops the agent with SIGINT (a graceful stop) and returns its exit code.</summary>
    public async Task<int> StopAgentAsync()
    {
        if (agent is null) return 0;
        ProcessStop.Interrupt(agent);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await agent.WaitForExitAsync(timeout.Token);
        int code = agent.ExitCode;
        agent.Dispose();
        agent = null;
        return code;
    }

    /// <summary>
    /// Stops the broker the device talks to (every connection drops) and starts it again: the embedded
    /// hub on the same ports and data, or mosquitto (the bridge finds it again by itself).
    /// </summary>
    public async Task RestartBrokerAsync(TimeSpan down)
    {
        if (broker is not null)
        {
            await broker.RestartAsync(down);
            return;
        }
        var hub = (EmbeddedHub)Hub;
        var (mqtt, https) = (hub.MqttPort, hub.HttpsPort);
        await hub.DisposeAsync();
        await Task.Delay(down);
        Hub = await EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(Dir, "hub"), MqttPort = mqtt, HttpsPort = https }, Serilog.Core.Logger.None);
    }

    public JsonObject Reported => Hub.Twins.Get(Device).Reported;

    /// <summary>Waits until the condition holds (or the agent exits, or the time is up) and says whether it held.</summary>
    public async Task<bool> WaitForAsync(Func<bool> condition, double seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline && agent is { HasExited: false })
        {
            if (condition()) return true;
            await Task.Delay(50);
        }
        return condition();
    }

    public bool ReportedIs(string property, Func<JsonNode?, bool> check) => check(Reported[property]);

    /// <summary>What still waits in the agent's outbox (read-only).</summary>
    public IReadOnlyList<(string Kind, byte[] Body)> OutboxLeft()
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(AgentData, "outbox.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT kind, body FROM messages ORDER BY id";
        using var reader = select.ExecuteReader();
        var left = new List<(string, byte[])>();
        while (reader.Read()) left.Add((reader.GetString(0), (byte[])reader[1]));
        return left;
    }

    /// <summary>The cloud goes away for good: hub or bridge, and the broker.</summary>
    public async Task StopCloudAsync()
    {
        if (cloudStopped) return;
        cloudStopped = true;
        await Hub.DisposeAsync();
        if (broker is not null) await broker.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        await StopCloudAsync();
        if (broker is not null) await broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
