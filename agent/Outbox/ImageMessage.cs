using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SetGan.Agent.Outbox;

/// <summary>
/// An image waiting in the outbox: what made it and what it cost, with the PNG. Stored as "SGI1", the
/// length of the metadata JSON (4 bytes, little-endian), the JSON, then the PNG's own bytes. Agents up to
/// 2026-11-27 stored one JSON document with the PNG in base64, a third larger and copied through a string;
/// <see cref="Decode"/> still reads those, so an outbox left by an older agent is sent after an update.
/// </summary>
public sealed record ImageMessage(string Device, int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules, bool EnergyEstimated, byte[] Png)
{
    private static ReadOnlySpan<byte> Magic => "SGI1"u8;
    private const int HeaderBytes = 8;

    public byte[] Encode()
    {
        byte[] meta = JsonSerializer.SerializeToUtf8Bytes(this with { Png = [] }, ImageMessageJson.Default.ImageMessage);
        var body = new byte[HeaderBytes + meta.Length + Png.Length];
        Magic.CopyTo(body);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), meta.Length);
        meta.CopyTo(body, HeaderBytes);
        Png.CopyTo(body, HeaderBytes + meta.Length);
        return body;
    }

    /// <summary>Reads a stored body; <see cref="InvalidDataException"/> names what is wrong with one that is not an image message.</summary>
    public static ImageMessage Decode(byte[] body)
    {
        try
        {
            if (!body.AsSpan().StartsWith(Magic))
                return JsonSerializer.Deserialize(body, ImageMessageJson.Default.ImageMessage) ?? throw new InvalidDataException("the image message is JSON null");
            if (body.Length < HeaderBytes) throw new InvalidDataException($"the image message's header is cut short: {body.Length} of {HeaderBytes} bytes");
            int length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4));
            if (length < 0 || length > body.Length - HeaderBytes)
                throw new InvalidDataException($"the image message says its metadata is {length} bytes, but the body has {body.Length - HeaderBytes} after its header");
            var meta = JsonSerializer.Deserialize(body.AsSpan(HeaderBytes, length), ImageMessageJson.Default.ImageMessage)
                ?? throw new InvalidDataException("the image message's metadata is JSON null");
            return meta with { Png = body[(HeaderBytes + length)..] };
        }
        catch (JsonException e) { throw new InvalidDataException($"the image message's JSON is not valid: {e.Message}", e); }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ImageMessage))]
public sealed partial class ImageMessageJson : JsonSerializerContext;
