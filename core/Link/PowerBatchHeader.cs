using System.Text.Json;

namespace SetGan.Core.Link;

/// <summary>
/// What a receiver files a power batch under, read from its JSON without building the rows: the hub
/// stores the body as it came and needs only these fields. Decoding every row (records and a list per
/// message) was over half of the hub's single writer's time at a few thousand batches a second.
/// The rows are still checked, so a body this accepts is one <see cref="PowerBatch.Decode"/> reads.
/// </summary>
public readonly record struct PowerBatchHeader(string Source, bool Estimated, DateTimeOffset From, int Thinned, int Samples)
{
    /// <summary>The header of an encoded <see cref="PowerBatch"/>; a <see cref="JsonException"/> says what is wrong with one that is not.</summary>
    public static PowerBatchHeader Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a power batch is a JSON object");
        string? source = null;
        DateTimeOffset? from = null;
        bool estimated = false;
        int thinned = 0, samples = -1;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException($"unexpected {reader.TokenType} in a power batch");
            if (reader.ValueTextEquals("source"u8)) source = Next(ref reader) == JsonTokenType.String ? reader.GetString() : throw Expected("source", "a string");
            else if (reader.ValueTextEquals("from"u8)) from = Next(ref reader) == JsonTokenType.String && reader.TryGetDateTimeOffset(out var f) ? f : throw Expected("from", "a date and time");
            else if (reader.ValueTextEquals("estimated"u8)) estimated = Next(ref reader) switch
            {
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                _ => throw Expected("estimated", "true or false"),
            };
            else if (reader.ValueTextEquals("thinned"u8)) thinned = Next(ref reader) == JsonTokenType.Number && reader.TryGetInt32(out int t) && t >= 0 ? t : throw Expected("thinned", "a count");
            else if (reader.ValueTextEquals("samples"u8)) samples = CountRows(ref reader);
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        if (source is null) throw new JsonException("a power batch names its source");
        if (from is null) throw new JsonException("a power batch says when it starts ('from')");
        if (samples < 0) throw new JsonException("a power batch has a 'samples' array");
        return new PowerBatchHeader(source, estimated, from.Value, thinned, samples);
    }

    /// <summary>Counts the rows, each an object of numbers (t, v, a, w), as <see cref="PowerBatch.Row"/> reads them.</summary>
    private static int CountRows(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) != JsonTokenType.StartArray) throw Expected("samples", "an array");
        int rows = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"sample {rows} is not an object");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                bool known = reader.ValueTextEquals("t"u8) || reader.ValueTextEquals("v"u8) || reader.ValueTextEquals("a"u8) || reader.ValueTextEquals("w"u8);
                if (Next(ref reader) is var value && known && !(value == JsonTokenType.Number && reader.TryGetDouble(out _)))
                    throw new JsonException($"sample {rows} has a value that is not a number");
                if (!known) reader.Skip();
            }
            rows++;
        }
        return rows;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the power batch ends early");

    private static JsonException Expected(string field, string what) => new($"'{field}' in a power batch must be {what}");
}
