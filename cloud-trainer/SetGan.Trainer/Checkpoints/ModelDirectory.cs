using System.Text.Json;
using SetGan.Trainer.SinGan;

namespace SetGan.Trainer.Checkpoints;

/// <summary>
/// The on-disk model. Training writes into "OUT.partial/", each scale into "scale-NN.tmp/" renamed
/// to "scale-NN/" when whole; only a finished pyramid is renamed to "OUT/". So a folder that looks
/// complete always is, and an interrupted run resumes at the first scale without a folder.
/// </summary>
public sealed class ModelDirectory
{
    public const string ModelFile = "model.json";
    public const string ScaleFile = "scale.json";
    public const string GeneratorFile = "G.dat";
    public const string DiscriminatorFile = "D.dat";
    public const string PartialSuffix = ".partial";

    private ModelDirectory(string path) => Path = path;

    /// <summary>Where files are read and written now (the partial folder while training).</summary>
    public string Path { get; }

    public static string ScaleFolderName(int scale) => $"scale-{scale:00}";
    public string ScaleDir(int scale) => System.IO.Path.Combine(Path, ScaleFolderName(scale));

    /// <summary>Opens a finished model, or a partial one when <paramref name="allowPartial"/>.</summary>
    public static ModelDirectory Open(string path, bool allowPartial = false)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(System.IO.Path.Combine(full, ModelFile))) return new ModelDirectory(full);
        if (allowPartial && File.Exists(System.IO.Path.Combine(full + PartialSuffix, ModelFile))) return new ModelDirectory(full + PartialSuffix);
        if (Directory.Exists(full + PartialSuffix))
            throw new CheckpointException($"'{path}' is still training or was interrupted ({System.IO.Path.GetFileName(full)}{PartialSuffix} exists); rerun `setgan train` with the same --out to finish it");
        throw new CheckpointException($"'{path}' is not a SetGan model folder (no {ModelFile})");
    }

    /// <summary>
    /// Prepares OUT.partial for training: creates it, or reuses it when it holds the same job.
    /// Fails early and clearly when OUT is taken or cannot be written.
    /// </summary>
    public static ModelDirectory BeginTraining(string output, ModelRecord record, bool force)
    {
        string final = System.IO.Path.GetFullPath(output);
        string partial = final + PartialSuffix;
        if (Directory.Exists(final) || File.Exists(final))
        {
            if (!force) throw new CheckpointException($"output '{output}' already exists; choose another --out or pass --force to replace it");
            DeleteTree(final);
        }
        if (Directory.Exists(partial))
        {
            var existing = TryReadModel(partial);
            bool same = existing is not null && existing.SourceSha256 == record.SourceSha256 && existing.SettingsFingerprint == record.SettingsFingerprint;
            if (!same && !force)
                throw new CheckpointException($"'{partial}' holds an interrupted run with another image or settings; delete it or pass --force to start over");
            if (!same) DeleteTree(partial);
        }
        try
        {
            Directory.CreateDirectory(partial);
            var dir = new ModelDirectory(partial);
            dir.WriteModel(record with { Complete = false });
            foreach (var stale in Directory.GetDirectories(partial, "scale-*.tmp")) DeleteTree(stale);
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"cannot write the output '{output}': {e.Message}");
        }
    }

    public ModelRecord ReadModel() => TryReadModel(Path) ?? throw new CheckpointException($"'{Path}/{ModelFile}' is missing or not valid JSON");

    public void WriteModel(ModelRecord record) => WriteJsonAtomic(System.IO.Path.Combine(Path, ModelFile), JsonSerializer.Serialize(record, CheckpointJson.Default.ModelRecord));

    /// <summary>The number of leading scales that are fully written.</summary>
    public int CompletedScales()
    {
        int n = 0;
        while (HasScale(n)) n++;
        return n;
    }

    /// <summary>Whether scale n is fully written (parallel training finishes scales in any order).</summary>
    public bool HasScale(int scale) => File.Exists(System.IO.Path.Combine(ScaleDir(scale), ScaleFile));

    /// <summary>Removes a saved scale that will not be part of the pyramid (above an early exit).</summary>
    public void RemoveScale(int scale) => DeleteTree(ScaleDir(scale));

    public ScaleRecord ReadScale(int scale)
    {
        string file = System.IO.Path.Combine(ScaleDir(scale), ScaleFile);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(file), CheckpointJson.Default.ScaleRecord)
                ?? throw new CheckpointException($"'{file}' is empty");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new CheckpointException($"cannot read scale {scale} ('{file}'): {e.Message}");
        }
    }

    /// <summary>Writes G_n, D_n and scale.json into scale-NN.tmp, then renames it into place.</summary>
    public void SaveScale(ScaleRecord record, Generator G, Discriminator D)
    {
        string target = ScaleDir(record.Scale), temp = target + ".tmp";
        DeleteTree(temp);
        Directory.CreateDirectory(temp);
        G.save(System.IO.Path.Combine(temp, GeneratorFile));
        D.save(System.IO.Path.Combine(temp, DiscriminatorFile));
        File.WriteAllText(System.IO.Path.Combine(temp, ScaleFile), JsonSerializer.Serialize(record, CheckpointJson.Default.ScaleRecord));
        DeleteTree(target);
        Directory.Move(temp, target);
    }

    /// <summary>
    /// Replaces G_n's weights and then its scale.json (parallel modes' tuning). A crash between the two
    /// leaves tuned weights under a record that says untuned, and a resume tunes them once more: a few
    /// extra steps, never a record claiming weights it does not have.
    /// </summary>
    public void ReplaceGenerator(ScaleRecord record, Generator G)
    {
        string dir = ScaleDir(record.Scale), weights = System.IO.Path.Combine(dir, GeneratorFile);
        G.save(weights + ".tmp");
        File.Move(weights + ".tmp", weights, overwrite: true);
        WriteJsonAtomic(System.IO.Path.Combine(dir, ScaleFile), JsonSerializer.Serialize(record, CheckpointJson.Default.ScaleRecord));
    }

    /// <summary>Loads G_n and D_n weights of a saved scale into the given networks.</summary>
    public void LoadWeights(int scale, Generator G, Discriminator? D = null)
    {
        string dir = ScaleDir(scale);
        try
        {
            G.load(System.IO.Path.Combine(dir, GeneratorFile));
            D?.load(System.IO.Path.Combine(dir, DiscriminatorFile));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"cannot load the weights of scale {scale} from '{dir}': {e.Message}");
        }
    }

    /// <summary>Marks the model complete and renames OUT.partial to OUT.</summary>
    public ModelDirectory Complete()
    {
        WriteModel(ReadModel() with { Complete = true });
        if (!Path.EndsWith(PartialSuffix, StringComparison.Ordinal)) return this;
        string final = Path[..^PartialSuffix.Length];
        Directory.Move(Path, final);
        return new ModelDirectory(final);
    }

    private static ModelRecord? TryReadModel(string dir)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllText(System.IO.Path.Combine(dir, ModelFile)), CheckpointJson.Default.ModelRecord); }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }

    private static void WriteJsonAtomic(string path, string json)
    {
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static void DeleteTree(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }
}
