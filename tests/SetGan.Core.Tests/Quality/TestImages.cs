using SetGan.Core.Imaging;

namespace SetGan.Core.Tests.Quality;

/// <summary>Images defined by formulas, so a Python reference can rebuild them exactly (ssim_reference.py).</summary>
internal static class TestImages
{
    public const int Width = 40, Height = 30;

    public static RgbImage From(Func<int, int, int, double> value, int width = Width, int height = Height)
    {
        var image = new RgbImage(width, height);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) image[c, y, x] = (float)value(c, y, x);
        return image;
    }

    public static RgbImage Ramp() => From((c, y, x) => (x * 7 + y * 13 + c * 29) % 256 / 255.0);
    public static RgbImage RampDistorted() => From((c, y, x) => (x * 7 + y * 13 + c * 29 + x * y % 17 * 5) % 256 / 255.0);
    public static RgbImage Waves(double shift = 0, double mean = 0.5, double amplitude = 0.4, int width = Width, int height = Height) =>
        From((c, y, x) => mean + amplitude * Math.Sin((x + shift) / 5.0 + c) * Math.Cos(y / 7.0), width, height);

    public static RgbImage Constant(float value, int width = Width, int height = Height) => From((_, _, _) => value, width, height);

    /// <summary>The image with seeded uniform noise of the given amplitude added (not clipped).</summary>
    public static RgbImage WithNoise(RgbImage image, double amplitude, int seed)
    {
        var random = new Random(seed);
        var result = new RgbImage(image.Width, image.Height, (float[])image.Pixels.Clone());
        for (int i = 0; i < result.Pixels.Length; i++) result.Pixels[i] += (float)((random.NextDouble() * 2 - 1) * amplitude);
        return result;
    }
}
