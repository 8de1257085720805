using SetGan.Core.Link;
using Microsoft.Extensions.Options;
using SetGan.Agent.Power;
using SetGan.Agent.Profiling;
using SetGan.Core.Energy;

namespace SetGan.Agent.Hosting;

/// <summary>
/// The agent's configuration ("Agent" section): appsettings.json, then SETGAN_Agent__* environment
/// variables, then the command line (--device, --profile, --sensor, --rate, --package, --public-key, --data).
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>This device's id (its IoT Hub device id); under IoT Edge, when not set, the one in <see cref="EdgeDeviceIdVariable"/>.</summary>
    public string Device { get; set; } = "";

    /// <summary>IoT Edge sets this in every module it starts: the id of the device the container runs on.</summary>
    public const string EdgeDeviceIdVariable = "IOTEDGE_DEVICEID";

    /// <summary>
    /// Takes IoT Edge's device id when Agent:Device is not set: one deployment, with one environment, runs on
    /// every board of a fleet, so each container learns which board it is from its runtime.
    /// </summary>
    public AgentOptions WithEdgeDeviceId(string? edgeDeviceId)
    {
        if (string.IsNullOrWhiteSpace(Device) && !string.IsNullOrWhiteSpace(edgeDeviceId)) Device = edgeDeviceId;
        return this;
    }

    /// <summary>A device profile by name (raspberry-pi-4) or path to a .json file.</summary>
    public string Profile { get; set; } = "";

    /// <summary>profile (the profile's sensor), emulated-ina219 or estimate.</summary>
    public string Sensor { get; set; } = PowerSensors.FromProfile;

    public double SampleRateHz { get; set; } = 100;

    /// <summary>A package folder to run (optional: the cloud delivers one otherwise).</summary>
    public string Package { get; set; } = "";

    /// <summary>The public key packages must be signed with.</summary>
    public string PublicKey { get; set; } = "";

    public string DataDir { get; set; } = "/var/lib/setgan-agent";

    /// <summary>ONNX Runtime intra-op threads; 0 = the profile's.</summary>
    public int OrtThreads { get; set; }

    /// <summary>ONNX Runtime without its CPU arena and memory patterns (less resident memory, see docs/benchmarks.md).</summary>
    public bool OrtLeanMemory { get; set; } = true;

    /// <summary>
    /// Above 0, each generator's convs run over strips of at most this many output rows: the same images (within
    /// 1e-5) with a fraction of the activation memory (SinGAN's finest scale holds ~50 MB whole), for more conv work
    /// (each strip recomputes its overlap). 0 = whole images. docs/benchmarks.md has both sides.
    /// </summary>
    public int OrtStripRows { get; set; } = DefaultStripRows;

    /// <summary>
    /// 32 rows: the full 250 px pyramid then peaks 40 MB lower (about 120 MB for the native agent, the goal for a
    /// board's agent) for about 8 % more CPU per image, which the energy profile measures and k* accounts for.
    /// </summary>
    public const int DefaultStripRows = 32;

    /// <summary>The truncation to run, G_0..G_K; -1 = the package's finest scale. Changes take effect without restart.</summary>
    public int K { get; set; } = -1;

    /// <summary>Images per minute; 0 = as fast as the budget allows.</summary>
    public double ImagesPerMinute { get; set; } = 1;

    /// <summary>Average power budget in watts (duty cycling); 0 = none.</summary>
    public double BudgetWatts { get; set; }

    /// <summary>Seconds of power samples per telemetry batch in the outbox.</summary>
    public double PowerBatchSeconds { get; set; } = 5;

    /// <summary>Disk the outbox may use before it thins old power batches (megabytes).</summary>
    public double OutboxQuotaMb { get; set; } = 200;

    /// <summary>The link to the cloud (Agent:Link:Mode, Agent:Link:ConnectionString, ...).</summary>
    public Link.LinkOptions Link { get; set; } = new();

    /// <summary>Energy profiling: batches per k, the shortest batch, the idle measurement, and whether a new package is profiled at once.</summary>
    public int ProfileBatches { get; set; } = 5;
    public double ProfileBatchSeconds { get; set; } = 1.0;
    public double ProfileIdleSeconds { get; set; } = 3.0;
    public bool ProfileNewPackages { get; set; } = true;

    /// <summary>How long the profiler measures, from the settings above (the `profile` method, new packages and --measure alike).</summary>
    public ProfilerSettings ProfilerSettings() => new(ProfileBatches, ProfileBatchSeconds, IdleSeconds: ProfileIdleSeconds);

    /// <summary>Where the measured energy profile is kept, reported from and written by --measure.</summary>
    public string EnergyProfilePath => Path.Combine(DataDir, "energy-profile.json");

    /// <summary>ONNX Runtime intra-op threads: the configured number, else the board profile's.</summary>
    public int OrtThreadsFor(DeviceProfile? profile) => OrtThreads > 0 ? OrtThreads : profile?.OnnxRuntimeThreads ?? 0;

    /// <summary>Loads and verifies a package with this agent's ONNX Runtime settings.</summary>
    public SetGan.Core.Packaging.PyramidPackage LoadPackage(string folder, string publicKeyPem, DeviceProfile? profile) =>
        SetGan.Core.Packaging.PyramidPackage.Load(folder, publicKeyPem, OrtThreadsFor(profile), OrtLeanMemory, OrtStripRows);
}

/// <summary>Checks the configuration at start and says exactly what is wrong, before anything runs.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Device)) errors.Add($"Agent:Device (--device, or {AgentOptions.EdgeDeviceIdVariable} under IoT Edge) is required: this device's id");
        else if (!System.Text.RegularExpressions.Regex.IsMatch(o.Device, "^[A-Za-z0-9._:-]{1,128}$"))
            errors.Add($"Agent:Device '{o.Device}' may hold only letters, digits and . _ : - (at most 128), as IoT Hub device ids do");
        if (string.IsNullOrWhiteSpace(o.Profile)) errors.Add($"Agent:Profile (--profile) is required: one of {string.Join(", ", DeviceProfiles.Names(DeviceProfiles.DefaultFolder))}, or a .json path");
        else
        {
            try { DeviceProfiles.Load(o.Profile); }
            catch (ProfileException e) { errors.Add($"Agent:Profile: {e.Message}"); }
        }
        if (o.Sensor is not (PowerSensors.FromProfile or PowerSensors.Emulated or PowerSensors.Estimate))
            errors.Add($"Agent:Sensor '{o.Sensor}' is not one of {PowerSensors.FromProfile}, {PowerSensors.Emulated}, {PowerSensors.Estimate}");
        if (!(o.SampleRateHz is >= 0.1 and <= 1000)) errors.Add($"Agent:SampleRateHz {o.SampleRateHz} is outside 0.1..1000");
        if (o.OrtThreads < 0) errors.Add("Agent:OrtThreads must be 0 (the profile's) or more");
        if (o.OrtStripRows < 0) errors.Add("Agent:OrtStripRows must be 0 (whole images) or more");
        if (o.Package.Length > 0)
        {
            if (!Directory.Exists(o.Package)) errors.Add($"Agent:Package '{o.Package}' does not exist");
            if (o.PublicKey.Length == 0) errors.Add("Agent:PublicKey (--public-key) is required with a package: packages are verified before they run");
        }
        if (o.PublicKey.Length > 0 && !File.Exists(o.PublicKey)) errors.Add($"Agent:PublicKey '{o.PublicKey}' does not exist");
        if (string.IsNullOrWhiteSpace(o.DataDir)) errors.Add("Agent:DataDir is required");
        if (!(o.PowerBatchSeconds is >= 0.1 and <= 3600)) errors.Add($"Agent:PowerBatchSeconds {o.PowerBatchSeconds} is outside 0.1..3600");
        if (o.K < -1) errors.Add($"Agent:K {o.K} must be -1 (the finest scale) or a truncation 0..N");
        if (!(o.ImagesPerMinute is >= 0 and <= 60_000)) errors.Add($"Agent:ImagesPerMinute {o.ImagesPerMinute} is outside 0..60000");
        if (!(o.BudgetWatts >= 0) || double.IsInfinity(o.BudgetWatts)) errors.Add($"Agent:BudgetWatts {o.BudgetWatts} must be 0 (none) or positive");
        if (!(o.OutboxQuotaMb is >= 1 and <= 1_000_000)) errors.Add($"Agent:OutboxQuotaMb {o.OutboxQuotaMb} is outside 1..1000000");
        if (!Link.LinkModes.All.Contains(o.Link.Mode)) errors.Add($"Agent:Link:Mode '{o.Link.Mode}' is not one of {string.Join(", ", Link.LinkModes.All)}");
        else if (o.Link.Mode != Link.LinkModes.None)
        {
            try
            {
                var c = SetGan.Core.Link.DeviceConnectionString.Parse(o.Link.ConnectionString, o.Device);
                if (o.Device.Length > 0 && c.DeviceId != o.Device) errors.Add($"Agent:Link:ConnectionString is for device '{c.DeviceId}', not '{o.Device}'");
                if (o.Link.Mode != Link.LinkModes.Mqtt && c.DeviceKey is null) errors.Add("Agent:Link:ConnectionString needs a SharedAccessKey (or a GroupKey) in local and azure mode");
                if (c.CaFile is { } ca && !File.Exists(ca)) errors.Add($"Agent:Link:ConnectionString CaFile '{ca}' does not exist");
            }
            catch (FormatException e) { errors.Add($"Agent:Link:ConnectionString: {e.Message}"); }
            if (o.PublicKey.Length == 0) errors.Add("Agent:PublicKey (--public-key) is required with a link: delivered packages are verified before they run");
            if (!(o.Link.TokenMinutes is >= 0.05 and <= 525_600)) errors.Add($"Agent:Link:TokenMinutes {o.Link.TokenMinutes} is outside 0.05..525600");
            if (!(o.Link.MaxBackoffSeconds is >= 0.1 and <= 3600)) errors.Add($"Agent:Link:MaxBackoffSeconds {o.Link.MaxBackoffSeconds} is outside 0.1..3600");
            if (o.Link.SendBatch is < 1 or > 10_000) errors.Add($"Agent:Link:SendBatch {o.Link.SendBatch} is outside 1..10000");
        }
        if (o.ProfileBatches is < 2 or > 100) errors.Add($"Agent:ProfileBatches {o.ProfileBatches} is outside 2..100 (two at least, for the spread)");
        if (!(o.ProfileBatchSeconds is >= 0.01 and <= 600)) errors.Add($"Agent:ProfileBatchSeconds {o.ProfileBatchSeconds} is outside 0.01..600");
        if (!(o.ProfileIdleSeconds is >= 0.1 and <= 600)) errors.Add($"Agent:ProfileIdleSeconds {o.ProfileIdleSeconds} is outside 0.1..600");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
