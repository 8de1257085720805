using System.Security.Cryptography;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Fleet.Service;

/// <summary>
/// The fleet's packages on disk: DATA/models/{id}/, one verified package folder each (the id is the first
/// 16 hex digits of its manifest's SHA-256, which covers every file through their hashes). Everything
/// here is published to the hub again when the service starts, so a restart forgets no deployable package.
/// </summary>
public sealed class ModelStore(string folder, FleetController controller, Serilog.ILogger log)
{
    public void LoadAll()
    {
        if (!Directory.Exists(folder)) return;
        foreach (string package in Directory.GetDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order())
        {
            try { controller.Publish(package); }
            catch (Exception e) when (e is PackageException or IOException)
            {
                log.Warning("Package {Folder} in the model store is not published again: {Reason}", package, e.Message);
            }
        }
    }

    /// <summary>Copies a signed package folder into the store (verified first) and publishes it.</summary>
    public PublishedPackage Add(string packageFolder)
    {
        string manifest = Path.Combine(packageFolder, PackageWriter.ManifestFile);
        if (!File.Exists(manifest)) throw new PackageException($"'{packageFolder}' has no {PackageWriter.ManifestFile}: is it a package?");
        string id = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifest)))[..16];
        string target = Path.Combine(folder, id);
        if (!Directory.Exists(target))
        {
            string staging = Path.Combine(folder, $".adding-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            try
            {
                foreach (string file in Directory.GetFiles(packageFolder)) File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
                controller.Verify(staging); // a package that does not verify never enters the store
                Directory.Move(staging, target);
            }
            finally { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
        }
        var reference = controller.Publish(target);
        return controller.Packages[reference.Sha256];
    }

    /// <summary>Takes a package uploaded as a tar (what `setgan fleet deploy` sends): extracted safely, verified, stored.</summary>
    public async Task<PublishedPackage> AddArchiveAsync(Stream tar, CancellationToken ct = default)
    {
        string staging = Path.Combine(folder, $".upload-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            string tarPath = Path.Combine(staging, "package.tar");
            await using (var file = File.Create(tarPath)) await tar.CopyToAsync(file, ct);
            string extracted = Path.Combine(staging, "package");
            PackageArchive.Extract(tarPath, extracted);
            return Add(extracted);
        }
        finally { Directory.Delete(staging, recursive: true); }
    }
}
