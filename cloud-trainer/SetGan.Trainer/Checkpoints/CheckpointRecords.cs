using System.Text.Json;
using System.Text.Json.Serialization;
using SetGan.Core.Pyramid;

namespace SetGan.Trainer.Checkpoints;

/// <summary>model.json: what was trained, from what, and how far it got.</summary>
public sealed record ModelRecord
{
    public const string CurrentFormat = "setgan-checkpoint/1";
    public string Format { get; init; } = CurrentFormat;
    public required string TrainerVersion { get; init; }
    public required string SourceImage { get; init; }
    public required string SourceSha256 { get; init; }
    public required string Preset { get; init; }
    public required string Mode { get; init; }
    public required string SettingsFingerprint { get; init; }
    public required int Iterations { get; init; }
    public required long Seed { get; init; }

    /// <summary>What the layers computed in during training: float32 or bf16; null in models from before it was recorded, which were float32.</summary>
    public string? Compute { get; init; }
    public required double ScaleFactor { get; init; }
    public required double Scale1 { get; init; }
    public required List<ScaleSize> Sizes { get; init; }
    public required List<int> Nfc { get; init; }
    public bool Complete { get; init; }

    /// <summary>Why the pyramid has fewer scales than planned (the early exit on SSIM), when it does.</summary>
    public string? EarlyExit { get; init; }
}

/// <summary>scale-NN/scale.json: one scale's sizes, noise_amp and z_opt (weights sit beside it).</summary>
public sealed record ScaleRecord
{
    public required int Scale { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Nfc { get; init; }
    public required double NoiseAmp { get; init; }

    /// <summary>z_opt at scale 0: one channel (repeated over RGB), row-major H x W. Null above scale 0 (zeros).</summary>
    public float[]? ZOpt { get; init; }
    public required int Iterations { get; init; }
    public required double Seconds { get; init; }
    public required double ErrD { get; init; }
    public required double ErrG { get; init; }
    public required double RecLoss { get; init; }

    /// <summary>Why this scale stopped before its iteration budget, when it did.</summary>
    public string? EarlyStop { get; init; }

    /// <summary>
    /// Parallel modes with hand-over: the iteration at which this scale's input from below changed from the real image to
    /// the generated chain (0: on the chain throughout); null when it never did.
    /// </summary>
    public int? HandedOverAt { get; init; }

    /// <summary>Parallel modes: the tuning on the reconstruction from below (<c>ChainTuning</c>), once it is done.</summary>
    public ChainTuneRecord? ChainTune { get; init; }
}

/// <summary>How G_n's reconstruction loss on the generated reconstruction from below changed when it was tuned.</summary>
/// <param name="RedoneInFloat32">bf16 steps done again in float32 (blocker 3, <c>MixedPrecisionGuard</c>).</param>
public sealed record ChainTuneRecord(int Steps, double RecBefore, double RecAfter, double Seconds, int RedoneInFloat32 = 0);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ModelRecord))]
[JsonSerializable(typeof(ScaleRecord))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
