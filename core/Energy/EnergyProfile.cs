namespace SetGan.Core.Energy;

/// <summary>
/// A device's own measurement of each truncation (what the agent's profiler writes and reports):
/// joules and seconds per image with their spread, from a real power sensor.
/// </summary>
public sealed record EnergyProfile
{
    public const string CurrentFormat = "setgan-energy-profile/1";

    public required string Format { get; init; }
    public required string Device { get; init; }
    public required string Sensor { get; init; }
    /// <summary>True when the "sensor" was a model (no power sensor on the board): the figures are then estimates.</summary>
    public bool Estimated { get; init; }
    /// <summary>The measured package's <see cref="Packaging.PackageManifest.ModelsSha256"/>: a profile is only valid for those generators.</summary>
    public required string ModelsSha256 { get; init; }
    public required DateTimeOffset MeasuredAt { get; init; }
    public required double IdleWatts { get; init; }
    public required List<MeasuredTruncation> Truncations { get; init; }
}

public sealed record MeasuredTruncation
{
    public required int K { get; init; }
    public required int Images { get; init; }
    public required double JoulesPerImage { get; init; }
    /// <summary>Standard deviation of joules per image over the measured batches.</summary>
    public required double JoulesStd { get; init; }
    public required double SecondsPerImage { get; init; }
    /// <summary>Standard deviation of seconds per image over the measured batches.</summary>
    public required double SecondsStd { get; init; }
    public required double AverageWatts { get; init; }
}
