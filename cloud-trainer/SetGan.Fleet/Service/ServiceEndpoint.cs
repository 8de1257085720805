using System.Text.Json;

namespace SetGan.Fleet.Service;

/// <summary>Where a running fleet service answers: DATA/service.json, written at every start, read by `setgan fleet` commands.</summary>
public sealed record ServiceEndpoint(string Url)
{
    public const string File = "service.json";

    internal void Save(string dataDir) => System.IO.File.WriteAllText(Path.Combine(dataDir, File), JsonSerializer.Serialize(this));

    public static ServiceEndpoint? Load(string dataDir)
    {
        string path = Path.Combine(dataDir, File);
        if (!System.IO.File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ServiceEndpoint>(System.IO.File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidOperationException($"{path} is unreadable ({e.Message}); start the service again to rewrite it"); }
    }
}
