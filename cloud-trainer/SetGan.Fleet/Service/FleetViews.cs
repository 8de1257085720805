using System.Text.Json.Nodes;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Hub;

namespace SetGan.Fleet.Service;

/// <summary>One row of the fleet: what the device is, what it reported, what it was told, and its power now.</summary>
public sealed record DeviceView(
    string Id, bool Enabled, bool Connected, IReadOnlyList<string> Tags, string? Profile, string? Sensor, string? Status,
    int? ActiveK, int? KStar, KStarDecision? Decision, JsonNode? Budget, string? Package, DateTimeOffset? LastSeen,
    double? PowerWatts, bool PowerEstimated, double? JoulesPerImage, int Images, string? Rejected);

/// <summary>A generated image as the dashboard lists it.</summary>
public sealed record ImageView(string Device, string Image, int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules, bool Estimated, string Url);

/// <summary>A package's quality-energy curve: quality per k, and per device its energy per k and k*.</summary>
public sealed record PackageView(string Sha256, string SourceImage, DateTimeOffset Published, int Scales, IReadOnlyList<QualityPoint> Quality,
    IReadOnlyList<DeviceCurve> Devices);

public sealed record QualityPoint(int K, double? Ssim, double? Swd, double Flops);

/// <param name="Source">
/// "measured" when the device profiled these generators with a real sensor, "profiled, estimated sensor" when it profiled
/// them on an emulated or CPU-time sensor, "board estimate" when it has not profiled them (FLOPs x its board's J per FLOP).
/// </param>
public sealed record DeviceCurve(string Device, int? KStar, int? ActiveK, string Source, IReadOnlyList<double> JoulesPerImage);

/// <summary>The answer to a budget change or deployment, per device.</summary>
public sealed record DecisionView(string Device, int? K, bool Feasible, string? Energy, string Budget, string Reason);

/// <summary>Builds the views from the hub's stores, the controller's decisions and the power history.</summary>
public sealed class FleetViews(IDeviceHub hub, FleetController controller, PowerHistory power, DeviceActivity activity)
{
    public const string Measured = "measured", ProfiledEstimated = "profiled, estimated sensor", BoardEstimate = "board estimate";

    /// <summary>How many of a device's newest images its energy per image averages over.</summary>
    private const int RecentImages = 50;

    /// <summary>
    /// Every device; the dashboard asks each second. Four queries for the whole fleet (registry, twins, tags, image
    /// summaries) rather than several per device: at 1,000 devices the per-device reads were what gave way first.
    /// </summary>
    public IReadOnlyList<DeviceView> Devices()
    {
        var twins = hub.Twins.All();
        var tags = hub.Devices.AllTags();
        var images = hub.Telemetry.ImageSummaries(RecentImages);
        return hub.Devices.List().Select(d => Row(d, twins.GetValueOrDefault(d.Id) ?? Twin.Empty, tags.GetValueOrDefault(d.Id) ?? [],
            images.GetValueOrDefault(d.Id))).ToList();
    }

    public DeviceView? Device(string id)
    {
        if (hub.Devices.Get(id) is not { } identity) return null;
        var recent = hub.Telemetry.Images(id, RecentImages);
        ImageSummary? summary = null;
        if (recent.Count > 0)
        {
            var joules = recent.Where(i => i.K == recent[^1].K && i.Joules is not null).Select(i => i.Joules!.Value).ToList();
            summary = new ImageSummary(id, hub.Telemetry.ImageCount(id), recent[^1].K, recent[^1].Time, joules.Count > 0 ? joules.Average() : null);
        }
        return Row(identity, hub.Twins.Get(id), hub.Devices.Tags(id), summary);
    }

    private DeviceView Row(DeviceIdentity identity, Twin twin, IReadOnlyList<string> tags, ImageSummary? images)
    {
        string id = identity.Id;
        var reported = twin.Reported;
        var now = power.Now(id);
        return new DeviceView(id, identity.Enabled, hub.IsConnected(id), tags,
            Text(reported, TwinProperties.Profile), reported[TwinProperties.Sensor]?["name"]?.ToString(), Text(reported, TwinProperties.Status),
            Int(reported, TwinProperties.ActiveK), Int(twin.Desired, TwinProperties.K), controller.Decisions.GetValueOrDefault(id),
            twin.Desired[TwinProperties.Budget]?.DeepClone(), reported[TwinProperties.ActivePackage]?["sha256"]?.ToString(),
            Latest(now?.Time, images?.LatestTime, activity.LastSeen(id)), now?.Watts, now?.Estimated ?? false, images?.RecentJoules, images?.Count ?? 0,
            reported[TwinProperties.Rejected]?.ToString());
    }

    public IReadOnlyList<ImageView> Images(string device, int latest) =>
        hub.Telemetry.Images(device, latest).Reverse()
            .Select(i => new ImageView(i.Device, i.ImageId, i.K, i.Seed, i.Time, i.Seconds, i.Joules, i.EnergyEstimated, $"/api/devices/{i.Device}/images/{i.ImageId}.png"))
            .ToList();

    public IReadOnlyList<PackageView> Packages()
    {
        var devices = hub.Devices.List();
        var twins = hub.Twins.All();
        return controller.Packages.Values.OrderByDescending(p => p.Published).Select(p =>
        {
            var m = p.Manifest;
            var quality = Enumerable.Range(0, m.Scales.Count)
                .Select(k => new QualityPoint(k, m.Quality?.FirstOrDefault(q => q.K == k)?.Ssim, m.Quality?.FirstOrDefault(q => q.K == k)?.Swd, m.Flops(k)))
                .ToList();
            var curves = new List<DeviceCurve>();
            foreach (var d in devices)
            {
                if (twins.GetValueOrDefault(d.Id) is not { } twin || twin.Desired[TwinProperties.Package]?["sha256"]?.ToString() != p.Reference.Sha256) continue;
                try
                {
                    var measured = controller.MeasuredOf(d.Id, twin.Reported);
                    var energy = KStarPlanner.EnergyPerK(m, measured, FleetController.BoardOf(twin.Reported));
                    bool profiled = measured is not null && string.Equals(measured.ModelsSha256, m.ModelsSha256(), StringComparison.OrdinalIgnoreCase);
                    string source = !profiled ? BoardEstimate : energy[0].Source == EnergySource.Measured ? Measured : ProfiledEstimated;
                    curves.Add(new DeviceCurve(d.Id, Int(twin.Desired, TwinProperties.K), Int(twin.Reported, TwinProperties.ActiveK),
                        source, energy.Select(e => e.JoulesPerImage).ToList()));
                }
                catch (ProfileException) { } // no board profile reported yet: nothing to draw for this device
            }
            return new PackageView(p.Reference.Sha256, m.SourceImage, p.Published, m.Scales.Count, quality, curves);
        }).ToList();
    }

    private static DateTimeOffset? Latest(params DateTimeOffset?[] times) => times.Where(t => t is not null).Max();
    private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : o[name]?.ToJsonString();
    private static int? Int(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue(out int i) ? i : null;
}
