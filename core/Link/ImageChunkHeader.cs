using System.Globalization;

namespace SetGan.Core.Link;

/// <summary>
/// The properties every image chunk carries (names in <see cref="MessageProperties"/>): which image,
/// which chunk (0-based) of how many, the whole image's length and SHA-256, and the image's metadata.
/// The agent writes them with <see cref="Properties"/>, the hub reads them with <see cref="Parse"/>,
/// so both sides agree on formats (invariant numbers, round-trip time, lower-case hex).
/// </summary>
public sealed record ImageChunkHeader(
    string ImageId, int Chunk, int Chunks, long Bytes, string Sha256,
    int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules, bool EnergyEstimated)
{
    /// <summary>The chunk's telemetry properties, kind=image included; the message id is the sender's to add.</summary>
    public IEnumerable<KeyValuePair<string, string>> Properties()
    {
        var p = new List<KeyValuePair<string, string>>
        {
            new(MessageProperties.Kind, MessageProperties.ImageKind),
            new(MessageProperties.ImageId, ImageId),
            new(MessageProperties.Chunk, Chunk.ToString(CultureInfo.InvariantCulture)),
            new(MessageProperties.Chunks, Chunks.ToString(CultureInfo.InvariantCulture)),
            new(MessageProperties.Bytes, Bytes.ToString(CultureInfo.InvariantCulture)),
            new(MessageProperties.Sha256, Sha256.ToLowerInvariant()),
            new(MessageProperties.K, K.ToString(CultureInfo.InvariantCulture)),
            new(MessageProperties.Seed, Seed.ToString(CultureInfo.InvariantCulture)),
            new(MessageProperties.Time, Time.ToString("O", CultureInfo.InvariantCulture)),
            new(MessageProperties.Seconds, Seconds.ToString("R", CultureInfo.InvariantCulture)),
            new(MessageProperties.EnergyEstimated, EnergyEstimated ? "true" : "false"),
        };
        if (Joules is { } j) p.Add(new(MessageProperties.Joules, j.ToString("R", CultureInfo.InvariantCulture)));
        return p;
    }

    /// <summary>Reads a chunk's properties; null and the reason when one is missing or malformed.</summary>
    public static ImageChunkHeader? Parse(IReadOnlyDictionary<string, string> p, out string? error)
    {
        var problems = new List<string>();
        string Text(string name)
        {
            if (p.TryGetValue(name, out var v) && v.Length > 0) return v;
            problems.Add($"'{name}' is missing");
            return "";
        }
        T Number<T>(string name, Func<string, (bool, T)> parse)
        {
            string text = Text(name);
            if (text.Length == 0) return default!;
            var (ok, value) = parse(text);
            if (!ok) problems.Add($"'{name}' = '{text}' is not a valid number");
            return value;
        }
        const NumberStyles Int = NumberStyles.AllowLeadingSign;
        var inv = CultureInfo.InvariantCulture;
        string id = Text(MessageProperties.ImageId), sha = Text(MessageProperties.Sha256);
        int chunk = Number(MessageProperties.Chunk, s => (int.TryParse(s, Int, inv, out int v), v));
        int chunks = Number(MessageProperties.Chunks, s => (int.TryParse(s, Int, inv, out int v), v));
        long bytes = Number(MessageProperties.Bytes, s => (long.TryParse(s, Int, inv, out long v), v));
        int k = Number(MessageProperties.K, s => (int.TryParse(s, Int, inv, out int v), v));
        int seed = Number(MessageProperties.Seed, s => (int.TryParse(s, Int, inv, out int v), v));
        double seconds = Number(MessageProperties.Seconds, s => (double.TryParse(s, NumberStyles.Float, inv, out double v), v));
        double? joules = p.ContainsKey(MessageProperties.Joules)
            ? Number(MessageProperties.Joules, s => (double.TryParse(s, NumberStyles.Float, inv, out double v), v))
            : null;
        DateTimeOffset time = default;
        string timeText = Text(MessageProperties.Time);
        if (timeText.Length > 0 && !DateTimeOffset.TryParse(timeText, inv, DateTimeStyles.RoundtripKind, out time))
            problems.Add($"'{MessageProperties.Time}' = '{timeText}' is not a time");
        bool estimated = false;
        string estimatedText = Text(MessageProperties.EnergyEstimated);
        if (estimatedText.Length > 0 && !bool.TryParse(estimatedText, out estimated))
            problems.Add($"'{MessageProperties.EnergyEstimated}' = '{estimatedText}' is not true or false");
        if (sha.Length > 0 && !(sha.Length == 64 && sha.All(Uri.IsHexDigit))) problems.Add($"'{MessageProperties.Sha256}' is not 64 hex digits");
        if (problems.Count == 0 && (chunks < 1 || chunk < 0 || chunk >= chunks)) problems.Add($"chunk {chunk} of {chunks} is out of range (chunks are 0-based)");
        if (problems.Count == 0 && (bytes < 0 || ImageChunks.Count((int)Math.Min(bytes, int.MaxValue)) > chunks))
            problems.Add($"{bytes} bytes cannot fit in {chunks} chunks of at most {ImageChunks.MaxChunkBytes} bytes");
        error = problems.Count == 0 ? null : string.Join("; ", problems);
        return error is null ? new ImageChunkHeader(id, chunk, chunks, bytes, sha.ToLowerInvariant(), k, seed, time, seconds, joules, estimated) : null;
    }
}
