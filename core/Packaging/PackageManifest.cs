using System.Text.Json.Serialization;

namespace SetGan.Core.Packaging;

/// <summary>
/// manifest.json of a pyramid package: everything a device needs to run G_0..G_k, and the SHA-256
/// of every file, so that one ECDSA signature over this file covers the whole package.
/// </summary>
public sealed record PackageManifest
{
    public const string CurrentFormat = "setgan-package/1";

    public required string Format { get; init; }
    public required string TrainerVersion { get; init; }
    public required string SourceImage { get; init; }
    public required string SourceSha256 { get; init; }
    public required double ScaleFactor { get; init; }
    public required List<PackageScale> Scales { get; init; }

    /// <summary>The reconstruction noise of scale 0 (one channel, repeated over RGB); zero above.</summary>
    public required NoiseMap ZOpt { get; init; }

    /// <summary>
    /// "int8" when the body convs are quantized; absent (null) for float32, the trainer's function with BatchNorm folded.
    /// Float32 manifests leave it out, so agents built before int8 existed still read them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Precision { get; init; }

    [JsonIgnore] // derived from Precision; written, it would be a field that older agents refuse
    public ModelPrecision ModelPrecision => Precision == PrecisionName(ModelPrecision.Int8) ? ModelPrecision.Int8 : ModelPrecision.Float32;

    /// <summary>Quality per truncation k (index k), when it has been measured; null until then.</summary>
    public List<TruncationQuality>? Quality { get; init; }
    public DateTimeOffset Created { get; init; }

    /// <summary>What the manifest says for a precision: nothing for float32.</summary>
    public static string? PrecisionName(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => null,
        ModelPrecision.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>
    /// SHA-256 over the generators' SHA-256s in order: names the models themselves, so an energy
    /// profile measured on them stays valid when quality figures are added to the manifest.
    /// </summary>
    public string ModelsSha256() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(string.Join("\n", Scales.Select(s => s.Sha256.ToLowerInvariant())))));

    /// <summary>FLOPs of one image from G_0..G_k (the device runs them; the cloud estimates energy from them).</summary>
    public double Flops(int k) =>
        Pyramid.GeneratorFlops.Truncation(Scales.Take(k + 1).Select(s => (new Pyramid.ScaleSize(s.Width, s.Height), s.Nfc)));
}

/// <summary>The number format of a package's generators.</summary>
public enum ModelPrecision { Float32, Int8 }

public sealed record PackageScale
{
    public required int Scale { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Nfc { get; init; }
    public required double NoiseAmp { get; init; }
    public required string File { get; init; }
    public required string Sha256 { get; init; }
    public required long Bytes { get; init; }
}

public sealed record NoiseMap
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required float[] Values { get; init; }
}

public sealed record TruncationQuality
{
    public required int K { get; init; }
    /// <summary>SSIM of the reconstruction at k, upsampled to the finest size, against the real image.</summary>
    public double? Ssim { get; init; }
    /// <summary>Sliced Wasserstein distance of 7x7 patches of random samples to the real image.</summary>
    public double? Swd { get; init; }
    /// <summary>SinGAN's diversity of random samples (per-pixel std over samples / std of the real image).</summary>
    public double? Diversity { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectRequiredConstructorParameters = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PackageManifest))]
internal sealed partial class PackageJson : JsonSerializerContext;
