namespace SetGan.Hub.Tests;

/// <summary>A test class with a fresh embedded hub per test and these devices registered in it.</summary>
public abstract class HubTest(params string[] devices) : IAsyncLifetime
{
    protected HubFixture f = null!;

    public virtual async ValueTask InitializeAsync()
    {
        f = await HubFixture.StartAsync();
        foreach (string device in devices) f.Hub.Devices.Add(device);
    }

    public ValueTask DisposeAsync() => f.DisposeAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
}
