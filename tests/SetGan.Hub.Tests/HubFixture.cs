using Microsoft.Data.Sqlite;
using SetGan.Hub;

namespace SetGan.Hub.Tests;

/// <summary>A real embedded hub on free ports in a temp folder, with its log kept for assertions; restartable on the same folder.</summary>
public sealed class HubFixture : IAsyncDisposable
{
    public string DataDir { get; } = Directory.CreateTempSubdirectory("setgan-hub-").FullName;
    public CapturedLog Log { get; } = new();
    public EmbeddedHub Hub { get; private set; } = null!;
    public HubOptions Options { get; private set; } = null!;

    public static async Task<HubFixture> StartAsync(Func<HubOptions, HubOptions>? configure = null)
    {
        var fixture = new HubFixture();
        fixture.Options = (configure ?? (o => o))(new HubOptions { DataDir = fixture.DataDir, MethodTimeout = TimeSpan.FromSeconds(5) });
        fixture.Hub = await EmbeddedHub.StartAsync(fixture.Options, fixture.Log.Logger, TestContext.Current.CancellationToken);
        return fixture;
    }

    /// <summary>Stops the hub and starts a new one on the same data folder (ports may differ).</summary>
    public async Task RestartAsync()
    {
        await Hub.DisposeAsync();
        Hub = await EmbeddedHub.StartAsync(Options, Log.Logger, TestContext.Current.CancellationToken);
    }

    public Task<TestDevice> ConnectAsync(string deviceId) => TestDevice.ConnectAsync(Hub, deviceId);

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDir, recursive: true);
        Log.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ShouldBeEmpty("the hub logged errors");
    }
}
