using System.Text.Json.Nodes;
using SetGan.Agent.Hosting;
using SetGan.Agent.Power;
using SetGan.Agent.Profiling;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>
/// The twin, device side: keeps the whole desired document (patches merge into it), applies it as
/// one configuration (package fetched and verified first, then k and budget, all checked together),
/// reports what runs, and on a bad document reports the reason and keeps the old configuration.
/// A new package is profiled at once (when configured) and its energy profile reported.
/// </summary>
public sealed class TwinHandler(AgentOptions options, AgentRuntime runtime, DeviceControl control, ILogger log)
{
    private readonly SemaphoreSlim applying = new(1, 1);
    private JsonObject desired = [];
    private long desiredVersion, decidedVersion;
    private (long Version, string Reason)? rejected;
    private string status = "starting";
    private EnergyProfile? energy = LoadEnergy(options);

    public string Status => status;

    /// <summary>The full twin from a GET (connect and reconnect): replaces the desired copy, applies it, reports everything.</summary>
    public async Task SyncAsync(DeviceClient client, JsonObject desiredDocument, CancellationToken ct)
    {
        desired = desiredDocument;
        desiredVersion = Version(desiredDocument);
        await ApplyAsync(client, ct);
    }

    /// <summary>A desired patch: merged into the copy, then the whole document is applied.</summary>
    public async Task PatchAsync(DeviceClient client, JsonObject patch, long version, CancellationToken ct)
    {
        desired = JsonMergePatch.Apply(desired, patch);
        desiredVersion = version;
        await ApplyAsync(client, ct);
    }

    public Task ReportAsync(DeviceClient client, CancellationToken ct, bool withEnergy = false)
    {
        var state = ReportedState.Of(control.Config, runtime, status, decidedVersion == 0 ? null : decidedVersion, rejected);
        if (withEnergy) state[TwinProperties.EnergyProfile] = ReportedState.Energy(energy);
        return client.PatchReportedAsync(state, ct);
    }

    /// <summary>Measures joules and seconds per image for every k of the running package, stores and reports the profile.</summary>
    public async Task<EnergyProfile> ProfileAsync(DeviceClient? client, CancellationToken ct)
    {
        var package = control.Config.Package ?? throw new InvalidOperationException("no package runs yet: nothing to profile");
        var settings = options.ProfilerSettings();
        status = "profiling";
        if (client is { IsConnected: true }) await ReportAsync(client, ct);
        await control.Cpu.WaitAsync(ct);
        EnergyProfile profile;
        try { profile = await Task.Run(() => new EnergyProfiler(runtime.Sampler, log).Profile(package, options.Device, settings, ct), ct); }
        finally
        {
            control.Cpu.Release();
            status = "running";
        }
        TruncationEnergy.SaveMeasured(profile, options.EnergyProfilePath);
        energy = profile;
        log.Information("Energy profile of {Count} truncations stored ({Kind})", profile.Truncations.Count, profile.Estimated ? "estimated" : "measured");
        if (client is { IsConnected: true }) await ReportAsync(client, ct, withEnergy: true);
        return profile;
    }

    private async Task ApplyAsync(DeviceClient client, CancellationToken ct)
    {
        await applying.WaitAsync(ct);
        bool newPackage = false;
        try
        {
            var document = (JsonObject)desired.DeepClone();
            document.Remove(TwinProperties.Version);
            var config = DesiredConfig.Parse(document, out var errors);
            string? refusal = config is null ? string.Join("; ", errors) : null;
            PyramidPackage? package = null;
            if (config?.Package is { } reference && reference.Sha256 != control.Config.PackageSha256)
            {
                status = "downloading";
                await ReportAsync(client, ct);
                try
                {
                    string folder = await runtime.Packages.FetchAsync(reference, null, ct);
                    package = runtime.LoadPackage(folder, File.ReadAllText(options.PublicKey));
                }
                catch (PackageException e)
                {
                    runtime.Packages.Discard(reference.Sha256);
                    refusal = $"package {reference.Sha256[..12]} refused, the previous one keeps running: {e.Message}";
                }
            }
            if (refusal is null && config is not null)
            {
                refusal = await control.ApplyAsync(package, config.Package?.Sha256, config.K, config.Budget, ct);
                if (refusal is null && package is not null)
                {
                    runtime.Packages.MakeCurrent(config.Package!.Sha256);
                    newPackage = true;
                    log.Information("Package {Sha} is now current ({Scales} scales)", config.Package.Sha256[..12], package.FinestScale + 1);
                }
            }
            if (refusal is not null)
            {
                package?.Dispose();
                rejected = (desiredVersion, refusal);
                log.Error("Desired properties version {Version} refused, the old configuration stays: {Reason}", desiredVersion, refusal);
            }
            else
            {
                rejected = null;
                AppliedConfig.Save(options.DataDir, control.Config);
                log.Information("Desired properties version {Version} applied: k = {K}, budget {Budget}", desiredVersion, control.Config.ActiveK, control.Config.Budget);
            }
            status = control.Config.Package is null ? "waiting for a package" : "running";
            decidedVersion = desiredVersion; // reported once applied or refused, so the cloud knows the outcome is final
            await ReportAsync(client, ct, withEnergy: true);
        }
        finally { applying.Release(); }
        if (newPackage && options.ProfileNewPackages) _ = Task.Run(() => ProfileInBackground(client, ct), CancellationToken.None);
    }

    private async Task ProfileInBackground(DeviceClient client, CancellationToken ct)
    {
        try { await ProfileAsync(client, ct); }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is PowerSensorException or LinkException or InvalidOperationException or IOException)
        {
            status = "running";
            log.Error("Profiling the new package failed, the old profile stays: {Reason}", e.Message);
        }
    }

    private static long Version(JsonObject document) => document[TwinProperties.Version] is JsonValue v && v.TryGetValue(out long n) ? n : 0;

    private static EnergyProfile? LoadEnergy(AgentOptions o)
    {
        string path = o.EnergyProfilePath;
        try { return File.Exists(path) ? TruncationEnergy.LoadMeasured(path) : null; }
        catch (ProfileException) { return null; }
    }
}
