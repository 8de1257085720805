using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Hub;

namespace SetGan.Fleet;

/// <summary>A package devices can be sent: its reference (URL, SHA-256, signature), verified manifest and folder.</summary>
public sealed record PublishedPackage(PackageReference Reference, PackageManifest Manifest, string Folder, DateTimeOffset Published);

/// <summary>
/// Keeps every device at its k*: when a budget is set, a package deployed, or a device reports a new
/// energy profile or package, k* is planned again (<see cref="KStarPlanner"/>) and, when it differs
/// from what the device was told, pushed in its desired properties with the budget it rests on.
/// </summary>
public sealed class FleetController : IDisposable
{
    private readonly IDeviceHub hub;
    private readonly string publicKeyPem;
    private readonly Serilog.ILogger log;
    private readonly ConcurrentDictionary<string, PublishedPackage> published = new();
    private readonly ConcurrentDictionary<string, KStarDecision> decisions = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> deviceLocks = new();

    public FleetController(IDeviceHub hub, string publicKeyPem, Serilog.ILogger log)
    {
        (this.hub, this.publicKeyPem, this.log) = (hub, publicKeyPem, log);
        hub.ReportedChanged += OnReported;
    }

    /// <summary>The last decision per device.</summary>
    public IReadOnlyDictionary<string, KStarDecision> Decisions => decisions;

    /// <summary>The packages published through this fleet, by SHA-256 of their archive.</summary>
    public IReadOnlyDictionary<string, PublishedPackage> Packages => published;

    /// <summary>Raised after each decision that was pushed.</summary>
    public event Action<string, KStarDecision>? Decided;

    /// <summary>Checks a package folder's signature (with the fleet's key) and every file's hash; throws <see cref="PackageException"/>.</summary>
    public PackageManifest Verify(string packageFolder) => PyramidPackage.Verify(packageFolder, publicKeyPem);

    /// <summary>Publishes a signed package (its manifest verified with the fleet's key) for deployment.</summary>
    public PackageReference Publish(string packageFolder)
    {
        var manifest = PyramidPackage.ReadManifest(packageFolder, publicKeyPem);
        var reference = hub.PublishPackage(packageFolder);
        published[reference.Sha256] = new PublishedPackage(reference, manifest, packageFolder, DateTimeOffset.UtcNow);
        return reference;
    }

    /// <summary>Sends a package to a device with the k* planned for it (estimated until the device measures this package).</summary>
    public async Task<KStarDecision> DeployAsync(string deviceId, PackageReference package, CancellationToken ct = default) =>
        (await DecideAsync(deviceId, package, budget: null, force: true, ct))!;

    /// <summary>Sets a device's budget and pushes it with the k* it allows; null when no package is deployed yet (the budget waits for one).</summary>
    public Task<KStarDecision?> SetBudgetAsync(string deviceId, BudgetSettings budget, CancellationToken ct = default) =>
        DecideAsync(deviceId, package: null, budget, force: true, ct);

    private void OnReported(string deviceId, JsonObject reported)
    {
        // A new energy profile (the device measured a package) or a new package changes what k* can be.
        _ = Task.Run(async () =>
        {
            try { await DecideAsync(deviceId, null, null, force: false, CancellationToken.None); }
            catch (Exception e) when (e is ProfileException or PackageException or InvalidOperationException or DeviceNotConnectedException)
            {
                log.Warning("k* for {Device} not re-planned: {Reason}", deviceId, e.Message);
            }
        });
    }

    private async Task<KStarDecision?> DecideAsync(string deviceId, PackageReference? package, BudgetSettings? budget, bool force, CancellationToken ct)
    {
        var gate = deviceLocks.GetOrAdd(deviceId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var twin = await hub.Twins.GetAsync(deviceId, ct);
            var desired = (JsonObject)twin.Desired.DeepClone();
            desired.Remove(TwinProperties.Version);
            var current = DesiredConfig.Parse(desired, out _);
            var target = package ?? current?.Package;
            if (target is null && budget is not null)
            {
                await hub.UpdateDesiredAsync(deviceId, new JsonObject { [TwinProperties.Budget] = budget.ToJson() }, ct);
                log.Information("Budget {Budget} for {Device}, which has no package yet: k* is planned when one is deployed", budget.ToJson().ToJsonString(), deviceId);
                return null;
            }
            if (target is null) throw new InvalidOperationException($"device '{deviceId}' has no package deployed: nothing to choose k from");
            if (!published.TryGetValue(target.Sha256, out var targetPackage))
                throw new InvalidOperationException($"package {target.Sha256[..12]} was not published through this fleet, so its manifest is unknown");
            var plannedBudget = budget ?? current?.Budget;
            var decision = KStarPlanner.Plan(targetPackage.Manifest, MeasuredOf(deviceId, twin.Reported), BoardOf(twin.Reported), plannedBudget);
            if (!force && current?.K == decision.K) return decision;
            var patch = new JsonObject { [TwinProperties.K] = decision.K };
            if (package is not null)
                patch[TwinProperties.Package] = package.ToJson();
            if (budget is not null)
                patch[TwinProperties.Budget] = budget.ToJson();
            await hub.UpdateDesiredAsync(deviceId, patch, ct);
            decisions[deviceId] = decision;
            log.Information("k* = {K} for {Device} ({Energy} energy, budget {Budget}): {Reason}", decision.K, deviceId,
                decision.Energy?.ToString().ToLowerInvariant() ?? "no", decision.Budget, decision.Reason);
            Decided?.Invoke(deviceId, decision);
            return decision;
        }
        finally { gate.Release(); }
    }

    internal EnergyProfile? MeasuredOf(string deviceId, JsonObject reported)
    {
        if (reported[TwinProperties.EnergyProfile] is not JsonObject profile) return null;
        try { return TruncationEnergy.ParseMeasured(System.Text.Encoding.UTF8.GetBytes(profile.ToJsonString()), $"the energy profile {deviceId} reported"); }
        catch (ProfileException e)
        {
            log.Warning("{Reason}; its board profile's estimate is used instead", e.Message);
            return null;
        }
    }

    // Board profiles are read and schema-checked from disk once per name: the dashboard's curves ask for every device's board every few seconds.
    private static readonly ConcurrentDictionary<string, DeviceProfile?> Boards = new();

    internal static DeviceProfile? BoardOf(JsonObject reported)
    {
        // A device names its board; only a plain name is looked up (never a path a device could point anywhere).
        if (reported[TwinProperties.Profile] is not JsonValue v || !v.TryGetValue(out string? name) || !DeviceRegistry.IsValidId(name)) return null;
        return Boards.GetOrAdd(name, n =>
        {
            try { return DeviceProfiles.Load(n); }
            catch (ProfileException) { return null; }
        });
    }

    public void Dispose() => hub.ReportedChanged -= OnReported;
}
