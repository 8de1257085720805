using Microsoft.Extensions.Hosting;

namespace SetGan.Hub;

/// <summary>
/// The lifetime of a web host that lives inside a command (the hub's package endpoint, the fleet service): it
/// listens to no signals. ASP.NET's default ConsoleLifetime registers its own SIGINT/SIGTERM handlers, which
/// cancel the default action and stop only the web host; a Ctrl+C sent right after start then never reached
/// the command's own handling, and `setgan hub` kept running (seen as a hung test). The command owns Ctrl+C
/// and disposes the host itself.
/// </summary>
public sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
