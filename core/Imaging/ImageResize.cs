namespace SetGan.Core.Imaging;

/// <summary>
/// MATLAB-style imresize: bicubic (Keys, a = -0.5) with an antialiasing kernel when shrinking and
/// symmetric borders. SinGAN builds its pyramid of real images with exactly this resize
/// (SinGAN/imresize.py), and the output size is ceil(input * scale) as there.
/// </summary>
public static class ImageResize
{
    private const double KernelWidth = 4.0;

    /// <summary>Resizes by one scale factor on both axes, output size = ceil(size * scale).</summary>
    public static RgbImage ByScale(RgbImage image, double scale)
    {
        int outH = (int)Math.Ceiling(image.Height * scale);
        int outW = (int)Math.Ceiling(image.Width * scale);
        return Resize(image, outW, outH, scale, scale);
    }

    /// <summary>
    /// <paramref name="image"/> at the size of <paramref name="reference"/>, as a viewer sees a smaller
    /// truncation next to the full image; the image itself when the sizes already match.
    /// </summary>
    public static RgbImage ToMatch(RgbImage image, RgbImage reference) =>
        image.Width == reference.Width && image.Height == reference.Height ? image : ToSize(image, reference.Width, reference.Height);

    /// <summary>Resizes to an exact size; each axis uses its own scale.</summary>
    public static RgbImage ToSize(RgbImage image, int width, int height) =>
        Resize(image, width, height, (double)width / image.Width, (double)height / image.Height);

    private static RgbImage Resize(RgbImage image, int outW, int outH, double scaleW, double scaleH)
    {
        if (outW < 1 || outH < 1) throw new ArgumentOutOfRangeException(nameof(outW), $"resize to {outW}x{outH} is empty");
        var horizontal = Contributions(image.Width, outW, scaleW);
        var vertical = Contributions(image.Height, outH, scaleH);

        // Separable: rows first, then columns.
        var tmp = new RgbImage(outW, image.Height);
        for (int c = 0; c < RgbImage.Channels; c++)
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < outW; x++)
                {
                    var (idx, w) = horizontal[x];
                    double sum = 0;
                    for (int k = 0; k < idx.Length; k++) sum += w[k] * image[c, y, idx[k]];
                    tmp[c, y, x] = (float)sum;
                }

        var result = new RgbImage(outW, outH);
        for (int c = 0; c < RgbImage.Channels; c++)
            for (int y = 0; y < outH; y++)
            {
                var (idx, w) = vertical[y];
                for (int x = 0; x < outW; x++)
                {
                    double sum = 0;
                    for (int k = 0; k < idx.Length; k++) sum += w[k] * tmp[c, idx[k], x];
                    result[c, y, x] = (float)sum;
                }
            }
        return result;
    }

    private static (int[] Index, double[] Weight)[] Contributions(int inLength, int outLength, double scale)
    {
        bool antialias = scale < 1;
        double width = antialias ? KernelWidth / scale : KernelWidth;
        int taps = (int)Math.Ceiling(width) + 2;
        var result = new (int[], double[])[outLength];
        for (int i = 0; i < outLength; i++)
        {
            // 1-based MATLAB coordinates: output pixel i maps to input position u.
            double u = (i + 1) / scale + 0.5 * (1 - 1 / scale);
            int left = (int)Math.Floor(u - width / 2);
            var index = new int[taps];
            var weight = new double[taps];
            double total = 0;
            for (int k = 0; k < taps; k++)
            {
                int j = left + k;
                double d = u - j;
                weight[k] = antialias ? scale * Cubic(scale * d) : Cubic(d);
                total += weight[k];
                index[k] = Mirror(j - 1, inLength);
            }
            for (int k = 0; k < taps; k++) weight[k] /= total;
            result[i] = (index, weight);
        }
        return result;
    }

    /// <summary>Symmetric border: -1 -> 0, n -> n-1 (MATLAB's 'symmetric' padding).</summary>
    private static int Mirror(int j, int n)
    {
        int period = 2 * n;
        j %= period;
        if (j < 0) j += period;
        return j < n ? j : period - 1 - j;
    }

    /// <summary>Keys cubic convolution kernel with a = -0.5 (MATLAB's bicubic).</summary>
    private static double Cubic(double x)
    {
        double ax = Math.Abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }
}
