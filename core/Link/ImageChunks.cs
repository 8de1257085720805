namespace SetGan.Core.Link;

/// <summary>
/// Images go as telemetry chunks, each under IoT Hub's 256 KB message limit with room for the topic's
/// property bag; the hub reassembles them by image id, chunk index and the whole image's SHA-256.
/// </summary>
public static class ImageChunks
{
    public const int MaxChunkBytes = 240 * 1024;

    public static IEnumerable<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> image, int maxChunk = MaxChunkBytes)
    {
        if (image.Length == 0) { yield return ReadOnlyMemory<byte>.Empty; yield break; }
        for (int offset = 0; offset < image.Length; offset += maxChunk)
            yield return image.Slice(offset, Math.Min(maxChunk, image.Length - offset));
    }

    public static int Count(int bytes, int maxChunk = MaxChunkBytes) => Math.Max(1, (bytes + maxChunk - 1) / maxChunk);
}
