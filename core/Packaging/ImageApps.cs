using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Packaging;

/// <summary>
/// SinGAN's image applications on a loaded package (SinGAN paper, section 4): an image is injected
/// into the pyramid at some scale and the generators above it add that scale's detail and texture.
/// </summary>
public static class ImageApps
{
    /// <summary>
    /// Paint-to-image (inject a clip-art painting at a coarse scale) and the unmasked core of
    /// harmonization and editing (inject at a fine scale): the image, resized to scale
    /// <paramref name="startScale"/>'s size, replaces the output of the scales below it.
    /// </summary>
    public static RgbImage Inject(PyramidPackage pyramid, RgbImage image, int startScale, int? k = null, int seed = 0)
    {
        int last = k ?? pyramid.FinestScale;
        if (startScale < 1 || startScale > last)
            throw new ArgumentOutOfRangeException(nameof(startScale), $"injection scale {startScale} must be within 1..{last} (scale 0 has no input image)");
        var size = pyramid.Sizes[startScale];
        return pyramid.RunFrom(startScale, last, ImageResize.ToSize(image, size.Width, size.Height), pyramid.Sizes, seed);
    }

    /// <summary>
    /// Harmonization and editing: inject at a fine scale, then keep the generated pixels only where
    /// the mask is set (mask is softened first, as SinGAN dilates and blurs it), the original elsewhere.
    /// </summary>
    public static RgbImage InjectMasked(PyramidPackage pyramid, RgbImage image, RgbImage mask, int startScale, int seed = 0, int softenRadius = 3)
    {
        var generated = Inject(pyramid, image, startScale, null, seed);
        var original = ImageResize.ToSize(image, generated.Width, generated.Height);
        var soft = Soften(ImageResize.ToSize(mask, generated.Width, generated.Height), softenRadius);
        var result = new RgbImage(generated.Width, generated.Height);
        int plane = generated.Width * generated.Height;
        for (int i = 0; i < plane; i++)
        {
            float m = soft[i];
            for (int c = 0; c < RgbImage.Channels; c++)
                result.Pixels[c * plane + i] = m * generated.Pixels[c * plane + i] + (1 - m) * original.Pixels[c * plane + i];
        }
        return result;
    }

    /// <summary>
    /// Super-resolution: upsample by 1/r (the pyramid's scale factor) and let the finest generator add
    /// detail, repeated until the image is <paramref name="factor"/> times larger (SinGAN's SR mode).
    /// </summary>
    public static RgbImage SuperResolve(PyramidPackage pyramid, RgbImage image, double factor, int seed = 0)
    {
        if (!(factor > 1) || factor > 16) throw new ArgumentOutOfRangeException(nameof(factor), $"super-resolution factor {factor} must be in (1, 16]");
        double step = 1 / pyramid.Manifest.ScaleFactor;
        int steps = Math.Max(1, (int)Math.Round(Math.Log(factor) / Math.Log(step)));
        var current = image;
        for (int i = 0; i < steps; i++)
        {
            double scale = Math.Pow(factor, (i + 1.0) / steps);
            var size = new ScaleSize((int)Math.Round(image.Width * scale), (int)Math.Round(image.Height * scale));
            current = pyramid.RunFinestOn(current, size, seed + i);
        }
        return current;
    }

    /// <summary>The mask's mean over RGB, box-blurred with the given radius and clamped to [0, 1].</summary>
    private static float[] Soften(RgbImage mask, int radius)
    {
        int w = mask.Width, h = mask.Height, plane = w * h;
        var m = new float[plane];
        for (int i = 0; i < plane; i++) m[i] = (mask.Pixels[i] + mask.Pixels[plane + i] + mask.Pixels[2 * plane + i]) / 3f;
        if (radius <= 0) return m;
        var blurred = new float[plane];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float sum = 0; int count = 0;
                for (int dy = -radius; dy <= radius; dy++)
                    for (int dx = -radius; dx <= radius; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                        sum += m[yy * w + xx];
                        count++;
                    }
                blurred[y * w + x] = Math.Clamp(sum / count, 0f, 1f);
            }
        return blurred;
    }
}
