using System.Text.Json;
using System.Text.Json.Serialization;
namespace SetGan.Core.Link;

/// <summary>
/// Power samples of one stretch of time, as one telemetry message: compact columns (seconds since
/// <see cref="From"/>, volts, amps, watts). <see cref="Thinned"/> says how often every other sample
/// was dropped to fit the disk quota, so the receiver knows the resolution it got.
/// </summary>
public sealed record PowerBatch(string Device, string Source, bool Estimated, DateTimeOffset From, int Thinned, List<PowerBatch.Row> Samples)
{
    // A struct: a batch holds up to 500 of them, made a thousand a second at 1 kHz sensing.
    public readonly record struct Row(double T, double V, double A, double W);

    /// <summary>Every other sample, keeping the first and the last.</summary>
    public PowerBatch Thin() => this with
    {
        Thinned = Thinned + 1,
        Samples = Samples.Where((_, i) => i % 2 == 0 || i == Samples.Count - 1).ToList(),
    };

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, PowerBatchJson.Default.PowerBatch);

    public static PowerBatch Decode(byte[] body) => JsonSerializer.Deserialize(body, PowerBatchJson.Default.PowerBatch)
        ?? throw new JsonException("empty power batch");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PowerBatch))]
internal sealed partial class PowerBatchJson : JsonSerializerContext;
