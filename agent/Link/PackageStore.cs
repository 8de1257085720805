using System.Net;
using System.Net.Http.Headers;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>
/// Packages the cloud delivers: downloaded over HTTPS into DATA/downloads (resuming a partial file
/// with a Range request), checked against the twin's SHA-256, unpacked into DATA/packages/{sha},
/// verified (manifest signature, file hashes) and only then made current. The previous package
/// stays on disk, so a package that fails to load is never swapped in and the old one keeps running.
/// </summary>
public sealed class PackageStore(string dataDir, HttpMessageHandler handler, ILogger log)
{
    private readonly string downloads = Path.Combine(dataDir, "downloads");
    private readonly string packages = Path.Combine(dataDir, "packages");
    private readonly HttpClient http = new(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

    public string FolderOf(string sha256) => Path.Combine(packages, sha256);

    /// <summary>The package made current last (its folder), or null when none was delivered yet.</summary>
    public string? Current => File.Exists(CurrentFile) && File.ReadAllText(CurrentFile).Trim() is { Length: 64 } sha && Directory.Exists(FolderOf(sha)) ? FolderOf(sha) : null;

    private string CurrentFile => Path.Combine(packages, "current");

    /// <summary>Downloads (or finds) the package and returns its unpacked folder; throws PackageException with the reason.</summary>
    public async Task<string> FetchAsync(PackageReference reference, IProgress<(long Done, long? Total)>? progress, CancellationToken ct)
    {
        string folder = FolderOf(reference.Sha256);
        if (Directory.Exists(folder)) return CheckSignature(folder, reference);
        Directory.CreateDirectory(downloads);
        string part = Path.Combine(downloads, reference.Sha256 + ".tar.part");
        await DownloadAsync(reference.Url, part, progress, ct);
        string actual = PackageArchive.Sha256(part);
        if (actual != reference.Sha256)
        {
            File.Delete(part); // a wrong file is not resumed
            throw new PackageException($"the package downloaded from {reference.Url} has SHA-256 {actual}, not the {reference.Sha256} the twin names (tampered or truncated)");
        }
        try { PackageArchive.Extract(part, folder); }
        catch (InvalidDataException e) { throw new PackageException(e.Message, e); }
        finally { File.Delete(part); }
        return CheckSignature(folder, reference);
    }

    /// <summary>Makes a verified package current: one atomic rename, so a crash leaves the old or the new pointer, never half of one.</summary>
    public void MakeCurrent(string sha256)
    {
        Directory.CreateDirectory(packages);
        File.WriteAllText(CurrentFile + ".tmp", sha256);
        File.Move(CurrentFile + ".tmp", CurrentFile, overwrite: true);
    }

    /// <summary>A package that failed to load goes, so it is downloaded afresh if it is named again.</summary>
    public void Discard(string sha256)
    {
        string folder = FolderOf(sha256);
        if (Directory.Exists(folder) && folder != Current) Directory.Delete(folder, recursive: true);
    }

    private string CheckSignature(string folder, PackageReference reference)
    {
        string sigPath = Path.Combine(folder, PackageWriter.SignatureFile);
        if (!File.Exists(sigPath)) { Discard(reference.Sha256); throw new PackageException($"package {reference.Sha256[..12]} has no {PackageWriter.SignatureFile}"); }
        if (Convert.ToBase64String(File.ReadAllBytes(sigPath)) != reference.Signature)
        {
            Discard(reference.Sha256);
            throw new PackageException($"package {reference.Sha256[..12]}: its manifest signature is not the one the twin names");
        }
        return folder;
    }

    private async Task DownloadAsync(string url, string part, IProgress<(long, long?)>? progress, CancellationToken ct)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) { throw new PackageException($"cannot download {url}: {e.Message}", e); }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) { File.Delete(part); throw new PackageException($"{url}: the partial download does not fit the file any more; it starts again next time"); }
            if (!response.IsSuccessStatusCode) throw new PackageException($"cannot download {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed) have = 0;
            long? total = response.Content.Headers.ContentLength + have;
            if (resumed) log.Information("Resuming the download of {Url} at {Bytes} bytes", url, have);
            await using var source = await response.Content.ReadAsStreamAsync(ct);
            await using var target = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
            var buffer = new byte[81920];
            int read;
            try
            {
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), ct);
                    have += read;
                    progress?.Report((have, total));
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new PackageException($"the download of {url} broke off at {have} bytes ({e.Message}); it resumes from there next time", e);
            }
        }
    }
}
