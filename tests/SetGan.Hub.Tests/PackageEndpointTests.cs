using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Hub.Tests;

/// <summary>Published packages come over HTTPS (same pinned certificate), resumable with Range requests.</summary>
public sealed class PackageEndpointTests : HubTest
{
    private string packageFolder = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        packageFolder = Path.Combine(f.DataDir, "a-package");
        Directory.CreateDirectory(packageFolder);
        File.WriteAllText(Path.Combine(packageFolder, PackageWriter.ManifestFile), """{"format":1}""");
        File.WriteAllBytes(Path.Combine(packageFolder, PackageWriter.SignatureFile), RandomNumberGenerator.GetBytes(71));
        File.WriteAllBytes(Path.Combine(packageFolder, PackageWriter.GeneratorFile(0)), RandomNumberGenerator.GetBytes(50_000));
    }

    private HttpClient PinnedClient() => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && Convert.ToHexStringLower(SHA256.HashData(cert.RawData)) == f.Hub.CertificateSha256,
    });

    [Fact]
    public async Task A_published_package_is_named_by_its_SHA_256_and_carries_the_manifest_signature_in_Base64()
    {
        var reference = f.Hub.PublishPackage(packageFolder);

        reference.Url.ShouldBe($"https://localhost:{f.Hub.HttpsPort}/packages/{reference.Sha256}.tar");
        string tar = Path.Combine(f.DataDir, "packages", reference.Sha256 + ".tar");
        PackageArchive.Sha256(tar).ShouldBe(reference.Sha256);
        Convert.FromBase64String(reference.Signature).ShouldBe(File.ReadAllBytes(Path.Combine(packageFolder, PackageWriter.SignatureFile)));
        DesiredConfig.Parse(new() { [TwinProperties.Package] = new System.Text.Json.Nodes.JsonObject
        {
            ["url"] = reference.Url, ["sha256"] = reference.Sha256, ["signature"] = reference.Signature,
        } }, out var errors).ShouldNotBeNull(string.Join("; ", errors));
    }

    [Fact]
    public async Task A_range_request_returns_exactly_those_bytes_so_a_download_can_resume()
    {
        var reference = f.Hub.PublishPackage(packageFolder);
        byte[] whole = File.ReadAllBytes(Path.Combine(f.DataDir, "packages", reference.Sha256 + ".tar"));
        using var http = PinnedClient();

        byte[] full = await http.GetByteArrayAsync(reference.Url, TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, reference.Url) { Headers = { Range = new RangeHeaderValue(1000, 20_999) } };
        using var partial = await http.SendAsync(request, TestContext.Current.CancellationToken);

        full.ShouldBe(whole);
        partial.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        partial.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes 1000-20999/{whole.Length}");
        (await partial.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(whole[1000..21000]);
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000.tar")]
    [InlineData("hub.db")]
    [InlineData("..%2Fhub.db")]
    public async Task Anything_but_a_published_package_name_is_not_found(string name)
    {
        using var http = PinnedClient();

        using var response = await http.GetAsync($"https://localhost:{f.Hub.HttpsPort}/packages/{name}", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
