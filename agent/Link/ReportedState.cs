using System.Reflection;
using System.Text.Json.Nodes;
using SetGan.Agent.Hosting;
using SetGan.Core.Energy;
using SetGan.Core.Link;

namespace SetGan.Agent.Link;

/// <summary>What the agent reports in its twin: what runs (k, package, budget), on what (profile, sensor), and how the last desired change went.</summary>
public static class ReportedState
{
    public static readonly string AgentVersion =
        typeof(ReportedState).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static JsonObject Of(ActiveConfig config, AgentRuntime runtime, string status, long? desiredVersion, (long Version, string Reason)? rejected) => new()
    {
        [TwinProperties.AgentVersion] = AgentVersion,
        [TwinProperties.Profile] = runtime.Profile.Name,
        [TwinProperties.Sensor] = new JsonObject { ["name"] = runtime.Sampler.Sensor.Name, ["estimated"] = runtime.Sampler.Sensor.IsEstimate },
        [TwinProperties.Status] = status,
        [TwinProperties.ActiveK] = config.ActiveK,
        [TwinProperties.ActivePackage] = config.Package is { } p
            ? new JsonObject { ["sha256"] = config.PackageSha256, ["scales"] = p.FinestScale + 1, ["modelsSha256"] = p.Manifest.ModelsSha256() }
            : null,
        [TwinProperties.ActiveBudget] = config.Budget.ToJson(),
        [TwinProperties.DesiredVersion] = desiredVersion,
        [TwinProperties.Rejected] = rejected is { } r ? new JsonObject { ["version"] = r.Version, ["reason"] = r.Reason } : null,
    };

    /// <summary>The measured energy profile as the twin carries it (what the cloud picks k* from).</summary>
    public static JsonNode? Energy(EnergyProfile? profile) => profile is null ? null : TruncationEnergy.ToJson(profile);
}
