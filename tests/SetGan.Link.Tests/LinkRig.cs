using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using SetGan.Agent.Tests.Hosting;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;
using SetGan.Hub;

namespace SetGan.Link.Tests;

/// <summary>
/// One embedded hub and one real agent process connected to it over TLS: the keys, a signed tiny
/// package, the device registered, and helpers to wait on the twin and the agent's output.
/// </summary>
public sealed class LinkRig : IAsyncDisposable
{
    public const string Device = "pi-01";
    private readonly StringBuilder output = new();
    private Process? agent;
    private string? connectionString;

    private LinkRig(string dir, EmbeddedHub hub, string package, string privateKey, string publicKeyPath)
    {
        Dir = dir;
        Hub = hub;
        Package = package;
        PrivateKey = privateKey;
        PublicKeyPath = publicKeyPath;
    }

    public string Dir { get; }
    public EmbeddedHub Hub { get; private set; }
    public string Package { get; }
    public string PrivateKey { get; }
    public string PublicKeyPath { get; }
    public string AgentData => Path.Combine(Dir, "agent");
    public string Output { get { lock (output) return output.ToString(); } }

    public static async Task<LinkRig> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("setgan-link-").FullName;
        var (package, privateKey, _) = TestPackages.WriteSigned(dir);
        var hub = await EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(dir, "hub") }, Serilog.Core.Logger.None);
        hub.Devices.Add(Device);
        var rig = new LinkRig(dir, hub, package, privateKey, Path.Combine(dir, "keys", PackageSigning.PublicKeyFile));
        return rig;
    }

    /// <summary>Starts the agent with the link to the hub; extra arguments are configuration (--Agent:Key value).</summary>
    public void StartAgent(bool withPackage, params string[] extra)
    {
        connectionString ??= Hub.ConnectionString(Device); // kept: the agent is started again while the hub is down
        string[] args =
        [
            "--device", Device, "--profile", "raspberry-pi-4", "--sensor", "estimate", "--public-key", PublicKeyPath, "--data", AgentData,
            "--link", "local", "--connection-string", connectionString,
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
        if (!agent.HasExited) Process.Start("kill", ["-INT", agent.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await agent.WaitForExitAsync(timeout.Token);
        int code = agent.ExitCode;
        agent.Dispose();
        agent = null;
        return code;
    }

    /// <summary>Stops the hub (every connection drops) and starts it again on the same ports and data.</summary>
    public async Task RestartHubAsync(TimeSpan down)
    {
        var (mqtt, https) = (Hub.MqttPort, Hub.HttpsPort);
        await Hub.DisposeAsync();
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

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        await Hub.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
