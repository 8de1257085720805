using SetGan.Core.Imaging;

namespace SetGan.Core.Quality;

/// <summary>
/// Structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004, eq. 13): an 11x11 Gaussian window
/// with sigma 1.5, K1 = 0.01, K2 = 0.03, dynamic range 1 (our images are in [0, 1]), population
/// (not sample) variances, the mean over the "valid" window positions, averaged over R, G and B.
/// This is the paper's reference setting and what scikit-image computes with
/// gaussian_weights=True, use_sample_covariance=False, data_range=1, channel_axis=0.
/// </summary>
public static class Ssim
{
    public const int WindowSize = 11;
    public const double Sigma = 1.5;
    private const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
    private static readonly double[] Window = GaussianWindow();

    public static double Compute(RgbImage x, RgbImage y)
    {
        if (x.Width != y.Width || x.Height != y.Height)
            throw new ArgumentException($"SSIM needs images of one size, got {x} and {y}");
        if (x.Width < WindowSize || x.Height < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}x{WindowSize}, got {x}");
        double sum = 0;
        for (int c = 0; c < RgbImage.Channels; c++) sum += Channel(x, y, c);
        return sum / RgbImage.Channels;
    }

    private static double Channel(RgbImage a, RgbImage b, int c)
    {
        int w = a.Width, h = a.Height, plane = w * h, offset = c * plane;
        var x = new double[plane];
        var y = new double[plane];
        for (int i = 0; i < plane; i++) { x[i] = a.Pixels[offset + i]; y[i] = b.Pixels[offset + i]; }
        var xx = new double[plane];
        var yy = new double[plane];
        var xy = new double[plane];
        for (int i = 0; i < plane; i++) { xx[i] = x[i] * x[i]; yy[i] = y[i] * y[i]; xy[i] = x[i] * y[i]; }

        var (mx, ow, oh) = FilterValid(x, w, h);
        var (my, _, _) = FilterValid(y, w, h);
        var (exx, _, _) = FilterValid(xx, w, h);
        var (eyy, _, _) = FilterValid(yy, w, h);
        var (exy, _, _) = FilterValid(xy, w, h);
        double total = 0;
        for (int i = 0; i < ow * oh; i++)
        {
            double vx = exx[i] - mx[i] * mx[i], vy = eyy[i] - my[i] * my[i], cov = exy[i] - mx[i] * my[i];
            total += (2 * mx[i] * my[i] + C1) * (2 * cov + C2) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
        }
        return total / (ow * oh);
    }

    /// <summary>Separable Gaussian filter over the positions where the whole window fits.</summary>
    private static (double[] Values, int Width, int Height) FilterValid(double[] src, int w, int h)
    {
        int ow = w - WindowSize + 1, oh = h - WindowSize + 1;
        var rows = new double[ow * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < ow; x++)
            {
                double s = 0;
                for (int k = 0; k < WindowSize; k++) s += Window[k] * src[y * w + x + k];
                rows[y * ow + x] = s;
            }
        var result = new double[ow * oh];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                double s = 0;
                for (int k = 0; k < WindowSize; k++) s += Window[k] * rows[(y + k) * ow + x];
                result[y * ow + x] = s;
            }
        return (result, ow, oh);
    }

    private static double[] GaussianWindow()
    {
        var g = new double[WindowSize];
        int r = WindowSize / 2;
        for (int i = 0; i < WindowSize; i++) g[i] = Math.Exp(-(i - r) * (i - r) / (2 * Sigma * Sigma));
        double sum = g.Sum();
        for (int i = 0; i < WindowSize; i++) g[i] /= sum;
        return g;
    }
}
