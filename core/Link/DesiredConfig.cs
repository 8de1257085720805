using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SetGan.Core.Link;

/// <summary>Where the agent fetches a package: HTTPS URL, SHA-256 of the archive, and the manifest's signature.</summary>
public sealed record PackageReference(string Url, string Sha256, string Signature)
{
    /// <summary>As the desired properties carry it (what <see cref="DesiredConfig.Parse"/> reads).</summary>
    public JsonObject ToJson() => new() { ["url"] = Url, ["sha256"] = Sha256, ["signature"] = Signature };
}

/// <summary>
/// The energy budget the cloud sets: an average power to duty-cycle to, a joules-per-image ceiling
/// (what the cloud chose k by; the agent reports against it), and the schedule.
/// </summary>
public sealed record BudgetSettings(double? Watts, double? JoulesPerImage, double ImagesPerMinute)
{
    /// <summary>As the twin carries it, desired and reported (what <see cref="DesiredConfig.Parse"/> reads); an absent limit is null.</summary>
    public JsonObject ToJson() => new() { ["watts"] = Watts, ["joulesPerImage"] = JoulesPerImage, ["imagesPerMinute"] = ImagesPerMinute };

    /// <summary>
    /// The budget fields an operator gave, and only those, as the twin carries them: what <see cref="DesiredConfig.Parse"/>
    /// checks before a budget from a command or a request is used (a merge patch, so absent fields stay as they were).
    /// </summary>
    public static JsonObject Patch(double? joulesPerImage, double? watts, double? imagesPerMinute)
    {
        var patch = new JsonObject();
        if (joulesPerImage is { } j) patch["joulesPerImage"] = j;
        if (watts is { } w) patch["watts"] = w;
        if (imagesPerMinute is { } r) patch["imagesPerMinute"] = r;
        return patch;
    }
}

/// <summary>
/// The desired properties the agent acts on (twin names in <see cref="TwinProperties"/>):
/// the package, the truncation k and the budget. Parsed as a whole, so a bad field rejects the patch
/// and the previous configuration stays in force.
/// </summary>
public sealed partial record DesiredConfig(PackageReference? Package, int? K, BudgetSettings? Budget)
{
    public const int MaxK = 64;

    /// <summary>Reads the whole desired document; on any error returns null and every reason.</summary>
    public static DesiredConfig? Parse(JsonObject desired, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        PackageReference? package = null;
        if (desired[TwinProperties.Package] is JsonNode p)
        {
            if (p is not JsonObject po) problems.Add($"{TwinProperties.Package} must be an object with url, sha256 and signature");
            else
            {
                string? url = Text(po, "url", problems), sha = Text(po, "sha256", problems), sig = Text(po, "signature", problems);
                if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
                    problems.Add($"{TwinProperties.Package}.url '{url}' is not an https:// URL");
                if (sha is not null && !Sha256Hex().IsMatch(sha)) problems.Add($"{TwinProperties.Package}.sha256 '{sha}' is not 64 hex digits");
                if (sig is not null && !IsBase64(sig)) problems.Add($"{TwinProperties.Package}.signature is not Base64");
                if (url is not null && sha is not null && sig is not null) package = new(url, sha.ToLowerInvariant(), sig);
            }
        }
        int? k = null;
        if (desired[TwinProperties.K] is JsonNode kn)
        {
            if (kn is JsonValue kv && kv.TryGetValue(out double kd) && kd == Math.Floor(kd) && kd is >= 0 and <= MaxK) k = (int)kd;
            else problems.Add($"{TwinProperties.K} {kn.ToJsonString()} must be a whole number 0..{MaxK}");
        }
        BudgetSettings? budget = null;
        if (desired[TwinProperties.Budget] is JsonNode b)
        {
            if (b is not JsonObject bo) problems.Add($"{TwinProperties.Budget} must be an object");
            else
            {
                double? watts = Number(bo, "watts", 1e-3, 1000, problems);
                double? jpi = Number(bo, "joulesPerImage", 1e-6, 1e6, problems);
                double ipm = Number(bo, "imagesPerMinute", 0, 60_000, problems) ?? 1;
                budget = new(watts, jpi, ipm);
            }
        }
        errors = problems;
        return problems.Count == 0 ? new DesiredConfig(package, k, budget) : null;
    }

    private static string? Text(JsonObject o, string name, List<string> problems)
    {
        if (o[name] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0) return s;
        problems.Add($"{TwinProperties.Package}.{name} is missing or not a string");
        return null;
    }

    private static double? Number(JsonObject o, string name, double min, double max, List<string> problems)
    {
        if (o[name] is not JsonNode n) return null;
        if (n is JsonValue v && v.TryGetValue(out double d) && d >= min && d <= max) return d;
        problems.Add($"{TwinProperties.Budget}.{name} {n.ToJsonString()} must be a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private static bool IsBase64(string s)
    {
        Span<byte> buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}

/// <summary>Twin property names, desired and reported, in one place.</summary>
public static class TwinProperties
{
    // desired
    public const string Package = "package", K = "k", Budget = "budget";
    // reported
    public const string ActiveK = "activeK", AgentVersion = "agentVersion", Sensor = "sensor", Profile = "profile",
        EnergyProfile = "energyProfile", Status = "status", ActivePackage = "activePackage", ActiveBudget = "activeBudget",
        DesiredVersion = "desiredVersion", Rejected = "rejected";
    public const string Version = "$version";
}
