using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SetGan.Hub;

/// <summary>
/// HTTPS download of published packages, GET /packages/{sha256}.tar, with Range support so a device
/// on a flaky link resumes instead of starting over. Only names of 64 hex digits + ".tar" are served.
/// </summary>
internal sealed partial class PackageEndpoint : IAsyncDisposable
{
    private readonly WebApplication app;

    private PackageEndpoint(WebApplication app, int port) => (this.app, Port) = (app, port);

    public int Port { get; }

    public static async Task<PackageEndpoint> StartAsync(string packagesFolder, int port, X509Certificate2 certificate, Serilog.ILogger log, CancellationToken ct)
    {
        Directory.CreateDirectory(packagesFolder);
        // No configuration files to watch: by default the host watches appsettings*.json under the current
        // folder, and a watcher there saw every SQLite write of a hub started in it (8 % of the hub's CPU).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = packagesFolder, Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders(); // the hub logs through Serilog itself
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(port, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapGet("/packages/{name}", (string name) =>
        {
            string path = Path.Combine(packagesFolder, name);
            if (!PackageName().IsMatch(name) || !File.Exists(path)) return Results.NotFound();
            log.Debug("Serving package {Name}", name);
            return Results.File(path, "application/x-tar", enableRangeProcessing: true);
        });
        await app.StartAsync(ct);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PackageEndpoint(app, new Uri(address).Port);
    }

    [GeneratedRegex("^[0-9a-f]{64}\\.tar$")]
    private static partial Regex PackageName();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
