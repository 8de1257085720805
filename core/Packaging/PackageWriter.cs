using System.Security.Cryptography;
using System.Text.Json;
using SetGan.Core.Onnx;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Packaging;

/// <summary>One generator to package: its weights, trained size and width.</summary>
public sealed record PackagedGenerator(GeneratorWeights Weights, ScaleSize Size, int Nfc);

/// <summary>What goes into a package besides the generators.</summary>
public sealed record PackageSource(string SourceImage, string SourceSha256, string TrainerVersion, double ScaleFactor, NoiseMap ZOpt);

/// <summary>Writes a signed pyramid package: G{n}.onnx files, manifest.json and manifest.sig.</summary>
public static class PackageWriter
{
    public const string ManifestFile = "manifest.json";
    public const string SignatureFile = "manifest.sig";

    public static string GeneratorFile(int scale) => $"G{scale}.onnx";

    /// <summary>Builds the package in OUT.tmp and renames it to OUT, so a half-written package never looks whole; returns its manifest.</summary>
    /// <param name="precision">Int8 rewrites every generator's body convs as calibrated QDQ (<see cref="Int8Quantization"/>):
    /// faster and smaller, no longer the trainer's exact function, so its quality must be measured as the package's own.</param>
    public static PackageManifest Write(string output, PackageSource source, IReadOnlyList<PackagedGenerator> generators, string privateKeyPem, bool force = false,
        ModelPrecision precision = ModelPrecision.Float32)
    {
        string final = Path.GetFullPath(output), temp = final + ".tmp";
        if (Directory.Exists(final) && !force) throw new IOException($"'{output}' exists already; pass --force to replace it");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        var models = generators.Select(g => GeneratorOnnx.Build(g.Weights)).ToList();
        if (precision == ModelPrecision.Int8) models = Int8Calibration.Quantize(models, generators.Select(g => g.Size).ToList(), source.ZOpt.Values);
        var scales = new List<PackageScale>();
        foreach (var (g, model) in generators.Zip(models))
        {
            byte[] onnx = GeneratorOnnx.ToBytes(model);
            string file = GeneratorFile(g.Weights.Scale);
            File.WriteAllBytes(Path.Combine(temp, file), onnx);
            scales.Add(new PackageScale
            {
                Scale = g.Weights.Scale, Width = g.Size.Width, Height = g.Size.Height, Nfc = g.Nfc, NoiseAmp = g.Weights.NoiseAmp,
                File = file, Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)), Bytes = onnx.Length,
            });
        }
        var manifest = new PackageManifest
        {
            Format = PackageManifest.CurrentFormat, TrainerVersion = source.TrainerVersion, SourceImage = source.SourceImage,
            SourceSha256 = source.SourceSha256, ScaleFactor = source.ScaleFactor, Scales = scales, ZOpt = source.ZOpt,
            Precision = PackageManifest.PrecisionName(precision), Created = DateTimeOffset.UtcNow,
        };
        WriteSigned(temp, JsonSerializer.SerializeToUtf8Bytes(manifest, PackageJson.Default.PackageManifest), privateKeyPem);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        return manifest;
    }

    /// <summary>Writes manifest.json and its signature; also what a re-signing tool would call.</summary>
    public static void WriteSigned(string folder, byte[] manifestJson, string privateKeyPem)
    {
        byte[] signature = PackageSigning.Sign(manifestJson, privateKeyPem);
        ReplaceFile(Path.Combine(folder, ManifestFile), manifestJson);
        ReplaceFile(Path.Combine(folder, SignatureFile), signature);
    }

    /// <summary>
    /// Records quality per truncation in a verified package's manifest and signs it again. The new
    /// signature is checked against <paramref name="publicKeyPem"/> first, so a wrong key cannot
    /// leave a package that its devices would refuse.
    /// </summary>
    public static void StoreQuality(PyramidPackage package, IReadOnlyList<TruncationQuality> quality, string privateKeyPem, string publicKeyPem)
    {
        if (quality.Count != package.Manifest.Scales.Count || quality.Where((q, k) => q.K != k).Any())
            throw new ArgumentException($"quality must list k = 0..{package.FinestScale} in order");
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(package.Manifest with { Quality = quality.ToList() }, PackageJson.Default.PackageManifest);
        if (!PackageSigning.Verify(json, PackageSigning.Sign(json, privateKeyPem), publicKeyPem))
            throw new PackageException("the signing key does not belong to the public key this package is verified with; the manifest was left unchanged");
        WriteSigned(package.Path, json, privateKeyPem);
    }

    /// <summary>Write beside, then rename over: a crash leaves the old file or the new one, never half of one.</summary>
    private static void ReplaceFile(string path, byte[] bytes)
    {
        File.WriteAllBytes(path + ".tmp", bytes);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
