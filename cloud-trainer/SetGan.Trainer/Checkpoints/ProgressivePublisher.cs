using System.Text.Json;
using System.Text.Json.Serialization;
using SetGan.Core.Packaging;

namespace SetGan.Trainer.Checkpoints;

/// <summary>One line of events.jsonl: a new usable truncation, published as its own package version.</summary>
public sealed record PackagePublished(string Event, int K, int Version, string Package, string ModelsSha256, double SecondsSinceStart, DateTimeOffset Time);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PackagePublished))]
internal sealed partial class PublishJson : JsonSerializerContext;

/// <summary>
/// SETGAN's progressive delivery: whenever G_0..G_k is complete, it becomes package version k + 1 in
/// FOLDER/k{k}/ (written beside and renamed, like every package), and a line in FOLDER/events.jsonl
/// says so, so devices can run a truncated pyramid long before the training ends. Packages are in <paramref name="precision"/>
/// (`setgan export --precision`).
/// </summary>
public sealed class ProgressivePublisher(string folder, string privateKeyPem, ModelPrecision precision = ModelPrecision.Float32, Action<PackagePublished>? published = null)
{
    public const string EventsFile = "events.jsonl";
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly object gate = new();

    public string Folder { get; } = Path.GetFullPath(folder);

    public static string PackageFolder(string folder, int k) => Path.Combine(folder, $"k{k}");

    /// <summary>Publishes G_0..G_k of <paramref name="dir"/>; a k that is already published (a resumed run) is left alone.</summary>
    public void Publish(ModelDirectory dir, int k)
    {
        lock (gate)
        {
            string package = PackageFolder(Folder, k);
            if (File.Exists(Path.Combine(package, PackageWriter.SignatureFile))) return;
            Directory.CreateDirectory(Folder);
            var manifest = PackageExporter.Export(dir, k + 1, package, privateKeyPem, force: true, precision);
            var record = new PackagePublished("package", k, k + 1, package, manifest.ModelsSha256(), clock.Elapsed.TotalSeconds, DateTimeOffset.UtcNow);
            File.AppendAllText(Path.Combine(Folder, EventsFile), JsonSerializer.Serialize(record, PublishJson.Default.PackagePublished) + "\n");
            published?.Invoke(record);
        }
    }

    public static IReadOnlyList<PackagePublished> ReadEvents(string folder)
    {
        string file = Path.Combine(folder, EventsFile);
        return File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize(l, PublishJson.Default.PackagePublished)!).ToList()
            : [];
    }
}
