using System.Text.Json.Serialization;

namespace SetGan.Core.Energy;

/// <summary>
/// One board from device-profiles/*.json (schema: device-profiles/schema/device-profile.schema.json):
/// how to read its power and run ONNX Runtime, and the figures that estimate energy per image until
/// the device has measured its own.
/// </summary>
public sealed record DeviceProfile
{
    [JsonPropertyName("$schema")] public string? Schema { get; init; }
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public required string Arch { get; init; }
    public required int Cores { get; init; }
    public required int OnnxRuntimeThreads { get; init; }
    public required PowerSensorSpec PowerSensor { get; init; }
    public required CitedValue IdleWatts { get; init; }
    public required CitedValue EnergyPerFlopJoules { get; init; }
    public required CitedValue SustainedGflops { get; init; }
    public required CitedValue ThermalLimitCelsius { get; init; }
    public required CitedValue DefaultBudgetJoulesPerImage { get; init; }
    public string? Notes { get; init; }
}

/// <summary>A figure and where it comes from.</summary>
public sealed record CitedValue
{
    public required double Value { get; init; }
    public required string Source { get; init; }
}

/// <summary>The power sensor: kind ina219 (I2C), ina3221 (the board's hwmon), rapl (powercap) or estimate (no sensor).</summary>
public sealed record PowerSensorSpec
{
    public const string Ina219 = "ina219", Ina3221 = "ina3221", Rapl = "rapl", Estimate = "estimate";

    public required string Kind { get; init; }
    public int? I2cBus { get; init; }
    public int? Address { get; init; }
    public double? ShuntOhms { get; init; }
    public double? MaxCurrentAmps { get; init; }
    public string? HwmonPath { get; init; }
    public int? Channel { get; init; }
    public string? Rail { get; init; }
    public string? PowercapPath { get; init; }
    public string? Source { get; init; }
}
