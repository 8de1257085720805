using System.Text.Json;
using System.Text.Json.Serialization;
using SetGan.Core.Link;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>
/// The k and budget the cloud set last, kept in DATA/applied.json (written whole, then renamed), so an
/// agent that restarts without a connection runs as it was last told rather than on its defaults.
/// </summary>
public sealed record AppliedConfig(int? K, BudgetSettings Budget)
{
    private const string File = "applied.json";

    public static void Save(string dataDir, ActiveConfig config)
    {
        string path = Path.Combine(dataDir, File);
        System.IO.File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(new AppliedConfig(config.K, config.Budget), AppliedConfigJson.Default.AppliedConfig));
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
    }

    public static AppliedConfig? Load(string dataDir, ILogger log)
    {
        string path = Path.Combine(dataDir, File);
        if (!System.IO.File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize(System.IO.File.ReadAllBytes(path), AppliedConfigJson.Default.AppliedConfig); }
        catch (JsonException e)
        {
            log.Warning("{Path} is unreadable, so the configured k and budget apply until the cloud speaks: {Reason}", path, e.Message);
            return null;
        }
    }
}

[JsonSerializable(typeof(AppliedConfig))]
internal sealed partial class AppliedConfigJson : JsonSerializerContext;
