using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests.Packaging;

public sealed class PyramidPackageTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-pkg-").FullName;
    private readonly string privateKey;
    private readonly string publicKey;
    private readonly string package;

    public PyramidPackageTests() => (package, privateKey, publicKey) = TestPackages.WriteSigned(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string PackageFile(string name) => Path.Combine(package, name);

    private void ShouldRefuse(string expected, string? key = null) =>
        Should.Throw<PackageException>(() => PyramidPackage.Load(package, key ?? publicKey)).Message.ShouldContain(expected);

    /// <summary>Edits manifest.json and signs it again with the right key, as a buggy trainer would.</summary>
    private void ResignManifest(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(PackageFile(PackageWriter.ManifestFile)))!.AsObject();
        edit(json);
        PackageWriter.WriteSigned(package, Encoding.UTF8.GetBytes(json.ToJsonString()), privateKey);
    }

    [Fact]
    public void A_signed_package_loads_and_generates_at_every_truncation()
    {
        using var pyramid = PyramidPackage.Load(package, publicKey);

        pyramid.FinestScale.ShouldBe(TestPackages.Sizes.Count - 1);
        for (int k = 0; k <= pyramid.FinestScale; k++)
        {
            var image = pyramid.Generate(k, seed: 3);
            (image.Width, image.Height).ShouldBe((TestPackages.Sizes[k].Width, TestPackages.Sizes[k].Height));
            image.Pixels.ShouldAllBe(v => v >= 0f && v <= 1f);
        }
    }

    [Fact]
    public void Samples_are_deterministic_with_a_seed_and_differ_between_seeds()
    {
        using var pyramid = PyramidPackage.Load(package, publicKey);

        pyramid.Generate(3, seed: 7).Pixels.ShouldBe(pyramid.Generate(3, seed: 7).Pixels);
        pyramid.Generate(3, seed: 7).Pixels.ShouldNotBe(pyramid.Generate(3, seed: 8).Pixels);
    }

    [Fact]
    public void Samples_can_have_another_size_and_aspect()
    {
        using var pyramid = PyramidPackage.Load(package, publicKey);

        var wide = pyramid.Generate(2, new ScaleSize(90, 30), seed: 1);

        (wide.Width, wide.Height).ShouldBe((90, 30));
    }

    [Fact]
    public void Reconstruction_is_deterministic()
    {
        using var pyramid = PyramidPackage.Load(package, publicKey);

        pyramid.Reconstruct(pyramid.FinestScale).Pixels.ShouldBe(pyramid.Reconstruct(pyramid.FinestScale).Pixels);
    }

    [Fact]
    public void A_k_outside_the_pyramid_is_refused()
    {
        using var pyramid = PyramidPackage.Load(package, publicKey);

        Should.Throw<ArgumentOutOfRangeException>(() => pyramid.Generate(pyramid.FinestScale + 1)).Message.ShouldContain("outside");
        Should.Throw<ArgumentOutOfRangeException>(() => pyramid.Generate(-1));
    }

    [Fact]
    public void A_missing_manifest_is_named()
    {
        File.Delete(PackageFile(PackageWriter.ManifestFile));
        ShouldRefuse("manifest.json: missing");
    }

    [Fact]
    public void A_missing_signature_is_named()
    {
        File.Delete(PackageFile(PackageWriter.SignatureFile));
        ShouldRefuse("manifest.sig: missing");
    }

    [Fact]
    public void A_missing_generator_file_is_named()
    {
        File.Delete(PackageFile("G2.onnx"));
        ShouldRefuse("G2.onnx: missing");
    }

    [Fact]
    public void A_truncated_generator_file_is_refused()
    {
        var bytes = File.ReadAllBytes(PackageFile("G1.onnx"));
        File.WriteAllBytes(PackageFile("G1.onnx"), bytes[..(bytes.Length / 2)]);
        ShouldRefuse("G1.onnx: ");
        ShouldRefuse("truncated");
    }

    [Fact]
    public void A_tampered_generator_file_is_refused()
    {
        var bytes = File.ReadAllBytes(PackageFile("G3.onnx"));
        bytes[^20] ^= 0x40;
        File.WriteAllBytes(PackageFile("G3.onnx"), bytes);
        ShouldRefuse("G3.onnx: its SHA-256 does not match");
    }

    [Fact]
    public void A_tampered_manifest_fails_the_signature()
    {
        string text = File.ReadAllText(PackageFile(PackageWriter.ManifestFile));
        File.WriteAllText(PackageFile(PackageWriter.ManifestFile), text.Replace("\"noise_amp\": 0.1", "\"noise_amp\": 0.5"));
        ShouldRefuse("signature does not verify");
    }

    [Fact]
    public void Another_public_key_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ShouldRefuse("signature does not verify", other.ExportSubjectPublicKeyInfoPem());
    }

    [Fact]
    public void An_unknown_format_version_is_refused_even_when_signed()
    {
        ResignManifest(m => m["format"] = "setgan-package/9");
        ShouldRefuse("unknown package format 'setgan-package/9'");
    }

    [Fact]
    public void A_manifest_missing_a_required_field_does_not_fit_the_schema()
    {
        ResignManifest(m => m.Remove("scales"));
        ShouldRefuse("does not fit the package schema");
    }

    [Fact]
    public void A_manifest_with_an_unknown_field_does_not_fit_the_schema()
    {
        ResignManifest(m => m["surprise"] = 1);
        ShouldRefuse("does not fit the package schema");
    }

    [Fact]
    public void A_file_name_outside_the_package_is_refused()
    {
        ResignManifest(m => m["scales"]![0]!["file"] = "../G0.onnx");
        ShouldRefuse("only plain file names");
    }

    [Fact]
    public void Scales_out_of_order_are_refused()
    {
        ResignManifest(m => m["scales"]![1]!["scale"] = 5);
        ShouldRefuse("scales must run 0..N");
    }

    [Fact]
    public void Signing_round_trip_and_a_flipped_bit()
    {
        byte[] data = "manifest"u8.ToArray();
        byte[] signature = PackageSigning.Sign(data, privateKey);

        PackageSigning.Verify(data, signature, publicKey).ShouldBeTrue();
        data[0] ^= 1;
        PackageSigning.Verify(data, signature, publicKey).ShouldBeFalse();
    }

    [Fact]
    public void A_signing_key_is_never_overwritten() =>
        Should.Throw<IOException>(() => PackageSigning.NewKeyPair(Path.Combine(dir, "keys"))).Message.ShouldContain("refusing to overwrite");
}
