using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Hub;

/// <summary>
/// Publishing a package for devices: one tar named by its SHA-256 in the hub's packages folder (served
/// by <see cref="PackageEndpoint"/>), and the reference desired properties carry: URL, SHA-256, and the
/// manifest's signature (Base64 of manifest.sig) that the device compares before it trusts the download.
/// </summary>
internal static class PackagePublisher
{
    public static PackageReference Publish(string packagesFolder, string baseUrl, string packageFolder, Serilog.ILogger log)
    {
        string signatureFile = Path.Combine(packageFolder, PackageWriter.SignatureFile);
        if (!File.Exists(signatureFile)) throw new FileNotFoundException($"'{packageFolder}' has no {PackageWriter.SignatureFile}: is it a signed package?", signatureFile);
        Directory.CreateDirectory(packagesFolder);
        string temp = Path.Combine(packagesFolder, $"publishing-{Guid.NewGuid():N}.tar");
        string sha = PackageArchive.Create(packageFolder, temp);
        File.Move(temp, Path.Combine(packagesFolder, sha + ".tar"), overwrite: true);
        var reference = new PackageReference($"{baseUrl}/packages/{sha}.tar", sha, Convert.ToBase64String(File.ReadAllBytes(signatureFile)));
        log.Information("Published package {Folder} as {Url}", packageFolder, reference.Url);
        return reference;
    }
}
