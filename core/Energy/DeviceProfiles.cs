using System.Reflection;
using System.Text.Json;
using Json.Schema;

namespace SetGan.Core.Energy;

/// <summary>
/// Finds and loads device profiles. Every file is checked against the one schema (embedded from
/// device-profiles/schema) before it is read, so the agent, the cloud and the tests agree on what a
/// valid profile is.
/// </summary>
public static class DeviceProfiles
{
    private static readonly Lazy<JsonSchema> ProfileSchema = new(() =>
    {
        using var stream = typeof(DeviceProfiles).Assembly.GetManifestResourceStream("SetGan.Core.device-profile.schema.json")
            ?? throw new InvalidOperationException("the device profile schema is not embedded in SetGan.Core");
        return JsonSchema.FromText(new StreamReader(stream).ReadToEnd());
    });

    /// <summary>The profiles shipped next to the program (copied from device-profiles/ at build).</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "device-profiles");

    /// <summary>Loads a profile by name (raspberry-pi-4) from <paramref name="folder"/>, or by path to a .json file.</summary>
    public static DeviceProfile Load(string nameOrPath, string? folder = null)
    {
        string path = nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/')
            ? nameOrPath
            : Path.Combine(folder ?? DefaultFolder, nameOrPath + ".json");
        if (!File.Exists(path))
            throw new ProfileException($"device profile '{nameOrPath}' not found (looked for {path}); known: {string.Join(", ", Names(folder ?? DefaultFolder))}");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Every profile in a folder, by name.</summary>
    public static IReadOnlyList<DeviceProfile> LoadAll(string? folder = null) =>
        Names(folder ?? DefaultFolder).Select(n => Load(n, folder)).ToList();

    public static IReadOnlyList<string> Names(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToList() : [];

    /// <summary>Schema errors of a profile document, empty when it is valid.</summary>
    public static IReadOnlyList<string> SchemaErrors(JsonElement document)
    {
        var result = ProfileSchema.Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
            .Distinct().ToList();
    }

    public static DeviceProfile Parse(byte[] json, string path)
    {
        string name = Path.GetFileName(path);
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ProfileException($"{name}: not valid JSON: {e.Message}"); }
        using (document)
        {
            var errors = SchemaErrors(document.RootElement);
            if (errors.Count > 0) throw new ProfileException($"{name}: does not fit the device profile schema: {string.Join("; ", errors)}");
            var profile = document.RootElement.Deserialize(EnergyJson.Default.DeviceProfile)!;
            if (profile.Name + ".json" != name && name.EndsWith(".json"))
                throw new ProfileException($"{name}: its name is '{profile.Name}'; the file must be called {profile.Name}.json");
            return profile;
        }
    }
}
