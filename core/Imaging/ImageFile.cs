using SkiaSharp;

namespace SetGan.Core.Imaging;

/// <summary>Reads PNG and JPEG files into <see cref="RgbImage"/> and writes PNGs.</summary>
public static class ImageFile
{
    /// <summary>
    /// Loads a PNG or JPEG. Transparency is flattened explicitly onto white, because a GAN
    /// trained on premultiplied or dropped alpha learns dark fringes that are not in the picture.
    /// </summary>
    public static RgbImage Load(string path)
    {
        if (!File.Exists(path))
            throw new ImageLoadException(Directory.Exists(path) ? $"'{path}' is a folder, not an image file" : $"image file not found: '{path}'");

        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ImageLoadException($"cannot read '{path}': {e.Message}"); }
        return Decode(bytes, path);
    }

    public static RgbImage Decode(byte[] bytes, string name)
    {
        if (bytes.Length == 0) throw new ImageLoadException($"'{name}' is empty (0 bytes), not an image");
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            throw new ImageLoadException($"'{name}' is not a readable image (corrupt, or not PNG/JPEG)");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
            throw new ImageLoadException($"'{name}' is {codec.EncodedFormat}; only PNG and JPEG are supported");

        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new ImageLoadException($"'{name}' is damaged: decoding stopped with {result} (truncated or corrupt file)");
        return FromRgba(bitmap.GetPixelSpan(), info.Width, info.Height);
    }

    private static RgbImage FromRgba(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var image = new RgbImage(width, height);
        int plane = width * height;
        var p = image.Pixels;
        for (int i = 0; i < plane; i++)
        {
            float a = rgba[4 * i + 3] / 255f;
            float white = 1f - a; // composite over white: c * a + 1 * (1 - a)
            p[i] = rgba[4 * i] / 255f * a + white;
            p[plane + i] = rgba[4 * i + 1] / 255f * a + white;
            p[2 * plane + i] = rgba[4 * i + 2] / 255f * a + white;
        }
        return image;
    }

    /// <summary>Writes a PNG through a temporary file, so a reader never sees half an image.</summary>
    public static void SavePng(RgbImage image, string path)
    {
        byte[] png = EncodePng(image);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, png);
        File.Move(temp, path, overwrite: true);
    }

    public static byte[] EncodePng(RgbImage image)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var bytes = new byte[info.BytesSize];
        int plane = image.Width * image.Height;
        var p = image.Pixels;
        for (int i = 0; i < plane; i++)
        {
            bytes[4 * i] = ToByte(p[i]);
            bytes[4 * i + 1] = ToByte(p[plane + i]);
            bytes[4 * i + 2] = ToByte(p[2 * plane + i]);
            bytes[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}
