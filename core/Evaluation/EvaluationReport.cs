using System.Text.Json.Serialization;

namespace SetGan.Core.Evaluation;

/// <summary>evaluation.json: quality, cost and energy of every truncation k of one package.</summary>
public sealed record EvaluationReport
{
    public required string Package { get; init; }
    public required string ModelsSha256 { get; init; }
    public required string SourceImage { get; init; }
    public required string FinestSize { get; init; }
    public required int Samples { get; init; }
    public required int Seed { get; init; }
    /// <summary>What ran the inference timings: this machine's logical cores and ONNX Runtime threads.</summary>
    public required string Machine { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required List<TruncationReport> Truncations { get; init; }
    public required List<DeviceEnergyReport> Devices { get; init; }
}

public sealed record TruncationReport
{
    public required int K { get; init; }
    public required string Size { get; init; }
    /// <summary>SSIM of the reconstruction (z_opt) upsampled to the finest size, against the real image.</summary>
    public required double Ssim { get; init; }
    /// <summary>Mean SSIM of the random samples, upsampled likewise: low by design, SinGAN samples move things.</summary>
    public required double SampleSsim { get; init; }
    public required double Swd { get; init; }
    public required double Diversity { get; init; }
    /// <summary>Bytes of G_0..G_k.</summary>
    public required long ModelBytes { get; init; }
    public required double Gflop { get; init; }
    /// <summary>Median milliseconds per image on this machine, and the spread (min and max).</summary>
    public required double InferenceMs { get; init; }
    public required double InferenceMsMin { get; init; }
    public required double InferenceMsMax { get; init; }
}

/// <summary>Energy per k on one device, measured by it or estimated from its profile.</summary>
public sealed record DeviceEnergyReport
{
    public required string Device { get; init; }
    public required string Source { get; init; }
    /// <summary>The board's idle power, which an average-power budget pays between images.</summary>
    public required double IdleWatts { get; init; }
    public required List<DeviceTruncationEnergy> Truncations { get; init; }
}

public sealed record DeviceTruncationEnergy
{
    public required int K { get; init; }
    public required double JoulesPerImage { get; init; }
    public required double SecondsPerImage { get; init; }
    public required double AverageWatts { get; init; }
    /// <summary>Energy-delay product divided by the full pyramid's (the paper's normalisation).</summary>
    public required double EdpNormalised { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EvaluationReport))]
public sealed partial class EvaluationJson : JsonSerializerContext;
