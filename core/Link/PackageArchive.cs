using System.Formats.Tar;
using System.Security.Cryptography;

namespace SetGan.Core.Link;

/// <summary>
/// A package travels as one tar file (manifest, signature, ONNX files), named in the twin by its
/// SHA-256. Extraction takes only plain files at the top level, so a hostile archive cannot write
/// outside its folder; verification of the package itself is <c>PyramidPackage.Load</c>'s job.
/// </summary>
public static class PackageArchive
{
    public const long MaxEntryBytes = 1L << 31;

    /// <summary>Packs the package folder's files into <paramref name="tarPath"/> and returns the archive's SHA-256 (hex).</summary>
    public static string Create(string packageFolder, string tarPath)
    {
        string temp = tarPath + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
            foreach (string file in Directory.GetFiles(packageFolder).Order(StringComparer.Ordinal))
                writer.WriteEntry(file, Path.GetFileName(file));
        File.Move(temp, tarPath, overwrite: true);
        return Sha256(tarPath);
    }

    /// <summary>Unpacks into a new folder (written beside it, then renamed, so it is whole or absent).</summary>
    public static void Extract(string tarPath, string folder)
    {
        string temp = folder + ".partial";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        try
        {
            using var stream = File.OpenRead(tarPath);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is TarEntryType.Directory) continue;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    throw new InvalidDataException($"package archive entry '{entry.Name}' is a {entry.EntryType}, not a plain file");
                string name = entry.Name;
                if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or "..")
                    throw new InvalidDataException($"package archive entry '{name}' is not a plain file name");
                if (entry.Length > MaxEntryBytes) throw new InvalidDataException($"package archive entry '{name}' is {entry.Length} bytes, too large");
                entry.ExtractToFile(Path.Combine(temp, name), overwrite: false);
            }
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(temp, folder);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            Directory.Delete(temp, recursive: true);
            throw new InvalidDataException($"package archive {Path.GetFileName(tarPath)} cannot be unpacked: {e.Message}", e);
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
