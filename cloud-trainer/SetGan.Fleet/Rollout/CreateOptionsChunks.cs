using System.Text;

namespace SetGan.Fleet.Rollout;

/// <summary>
/// IoT Edge's split of a module's Docker create options: a twin value holds at most 512 characters, so the
/// stringified JSON goes into createOptions, createOptions01, createOptions02, ... (two digits, no gaps) and the
/// edge agent joins them in order. As Azure/iotedge's DockerConfig serializer does (Chunks(TwinValueMaxSize = 512),
/// at most TwinValueMaxChunks = 100 fields).
/// </summary>
public static class CreateOptionsChunks
{
    public const string Field = "createOptions";
    public const int MaxChars = 512;
    public const int MaxChunks = 100;

    /// <summary>The field name of chunk i: createOptions, then createOptions01..createOptions99.</summary>
    public static string FieldName(int index) => index == 0 ? Field : $"{Field}{index:D2}";

    /// <summary>
    /// Cuts the JSON text into chunks of at most 512 characters that are also at most 512 UTF-8 bytes (the limit
    /// is stated in bytes in IoT Edge's design note and counted in characters by its code; both hold here), never
    /// inside a surrogate pair.
    /// </summary>
    public static IReadOnlyList<string> Split(string createOptions)
    {
        var chunks = new List<string>();
        int start = 0;
        while (start < createOptions.Length)
        {
            int end = start, bytes = 0;
            while (end < createOptions.Length)
            {
                int width = char.IsHighSurrogate(createOptions[end]) && end + 1 < createOptions.Length ? 2 : 1;
                int size = Encoding.UTF8.GetByteCount(createOptions.AsSpan(end, width));
                if (end - start + width > MaxChars || bytes + size > MaxChars) break;
                (end, bytes) = (end + width, bytes + size);
            }
            chunks.Add(createOptions[start..end]);
            start = end;
        }
        if (chunks.Count > MaxChunks)
            throw new ArgumentException($"create options of {createOptions.Length} characters need {chunks.Count} twin fields; IoT Edge reads at most {MaxChunks}");
        return chunks.Count == 0 ? [""] : chunks;
    }
}
