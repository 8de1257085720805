namespace SetGan.Core.Link;

/// <summary>Every message property name the agent and the hub use, in one place.</summary>
public static class MessageProperties
{
    // IoT Hub system properties.
    public const string MessageId = "$.mid", ContentType = "$.ct", ContentEncoding = "$.ce", CreationTime = "$.ctime";

    // Ours: what a telemetry message carries.
    public const string Kind = "kind";
    public const string PowerKind = "power", ImageKind = "image";

    // Image chunks: which image, which part of how many, and the image's metadata (repeated on
    // every chunk so any one of them can open the reassembly).
    public const string ImageId = "image", Chunk = "chunk", Chunks = "chunks", Bytes = "bytes", Sha256 = "sha256";
    public const string K = "k", Seed = "seed", Time = "time", Seconds = "seconds", Joules = "joules", EnergyEstimated = "estimated";
}
