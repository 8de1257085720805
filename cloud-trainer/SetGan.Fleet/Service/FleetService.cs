using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;
using SetGan.Core.Packaging;
using SetGan.Fleet.Jobs;
using SetGan.Hub;

namespace SetGan.Fleet.Service;

/// <summary>
/// The fleet service an operator runs: the embedded IoT Hub the devices connect to, the controller that
/// keeps each at its k*, the model store fed by the training jobs, and over HTTP the operators' API and the dashboard. One process,
/// one data folder; `setgan fleet serve` runs it, `setgan demo` and the tests start it in-process.
/// </summary>
public sealed class FleetService : IAsyncDisposable
{
    private readonly WebApplication app;

    private FleetService(FleetServiceOptions options, EmbeddedHub hub, FleetController controller, ModelStore models, FleetViews views,
        ITrainingJobQueue jobs, JobHarvester harvester, string token, string publicKeyPath, WebApplication app)
    {
        (Options, Hub, Controller, Models, Views, Jobs, Harvester, Token, PublicKeyPath, this.app) =
            (options, hub, controller, models, views, jobs, harvester, token, publicKeyPath, app);
    }

    public FleetServiceOptions Options { get; }
    public EmbeddedHub Hub { get; }
    public FleetController Controller { get; }
    public ModelStore Models { get; }
    public FleetViews Views { get; }

    /// <summary>The training jobs (<see cref="FleetServiceOptions.JobsSpec"/>); trainers in this process or elsewhere take them.</summary>
    public ITrainingJobQueue Jobs { get; }

    /// <summary>Takes succeeded jobs' packages into the model store.</summary>
    public JobHarvester Harvester { get; }
    public string Token { get; }

    /// <summary>The key devices verify packages with; the private half (beside it) signs what the service's trainers make.</summary>
    public string PublicKeyPath { get; }
    public string PrivateKeyPath => Path.Combine(Path.GetDirectoryName(PublicKeyPath)!, PackageSigning.PrivateKeyFile);

    public Uri Url { get; private set; } = null!;

    /// <summary>The dashboard's address with the admin token, as printed for the operator.</summary>
    public string DashboardUrl => $"{Url}#token={Token}";

    public static async Task<FleetService> StartAsync(FleetServiceOptions options, Serilog.ILogger log, CancellationToken ct = default)
    {
        options = options with { DataDir = Path.GetFullPath(options.DataDir) }; // the web host resolves relative paths against its own root
        Directory.CreateDirectory(options.DataDir);
        string token = AdminToken.LoadOrCreate(options.DataDir);
        string publicKey = Path.Combine(options.KeysDir, PackageSigning.PublicKeyFile);
        if (!File.Exists(publicKey))
        {
            PackageSigning.NewKeyPair(options.KeysDir);
            log.Information("Made the fleet's package signing key pair in {Folder}", options.KeysDir);
        }
        var hub = await EmbeddedHub.StartAsync(new HubOptions
        {
            DataDir = options.HubDir, HostName = options.HostName, MqttPort = options.MqttPort, HttpsPort = options.HttpsPort,
        }, log, ct);
        ITrainingJobQueue? jobs = null;
        try
        {
            jobs = await TrainingJobQueues.OpenAsync(options.JobsSpec, log: log, ct: ct);
            var controller = new FleetController(hub, File.ReadAllText(publicKey), log);
            var power = new PowerHistory(TimeSpan.FromSeconds(options.PowerHistorySeconds), log);
            hub.TelemetryReceived += power.OnTelemetry;
            var views = new FleetViews(hub, controller, power, new DeviceActivity(hub));
            var models = new ModelStore(options.ModelsDir, controller, log);
            models.LoadAll();
            var harvester = new JobHarvester(jobs, models, options.DataDir, options.HarvestEvery, log);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Services.AddSerilog(log);
            builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
            builder.Services.Configure<JsonOptions>(j => j.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
            builder.Services.AddHostedService(_ => harvester); // started and stopped with the web app
            builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>(); // Ctrl+C is the command's
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(options.Listen), options.HttpPort));
            var app = builder.Build();
            var service = new FleetService(options, hub, controller, models, views, jobs, harvester, token, publicKey, app);
            FleetApi.Map(app, service, power);
            Dashboard.Map(app);
            await app.StartAsync(ct);
            string bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()!.Addresses.First();
            service.Url = new Uri(bound.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/");
            new ServiceEndpoint(service.Url.ToString()).Save(options.DataDir);
            log.Information("Fleet service on {Url}: {Devices} devices, {Packages} packages, training jobs in {Jobs}",
                service.Url, hub.Devices.List().Count, controller.Packages.Count, jobs.Describe);
            return service;
        }
        catch
        {
            if (jobs is not null) await jobs.DisposeAsync();
            await hub.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await Jobs.DisposeAsync();
        Controller.Dispose();
        await Hub.DisposeAsync();
    }
}
