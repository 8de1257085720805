using SetGan.Core.Imaging;

namespace SetGan.Core.Quality;

/// <summary>
/// SinGAN's diversity measure (Shaham et al. 2019, section 4): the standard deviation of each pixel
/// value across the samples, averaged over pixels and channels, divided by the standard deviation
/// of the real image's pixel values. 0 means every sample is the same image.
/// </summary>
public static class SampleDiversity
{
    public static double Compute(IReadOnlyList<RgbImage> samples, RgbImage real)
    {
        if (samples.Count < 2) throw new ArgumentException("diversity needs at least two samples");
        int length = samples[0].Pixels.Length;
        if (samples.Any(s => s.Pixels.Length != length)) throw new ArgumentException("diversity needs samples of one size");
        double spread = 0;
        for (int i = 0; i < length; i++)
        {
            double mean = 0, square = 0;
            foreach (var s in samples) { mean += s.Pixels[i]; square += (double)s.Pixels[i] * s.Pixels[i]; }
            mean /= samples.Count;
            spread += Math.Sqrt(Math.Max(0, square / samples.Count - mean * mean));
        }
        spread /= length;
        double realMean = real.Pixels.Average(p => (double)p);
        double realStd = Math.Sqrt(real.Pixels.Average(p => (p - realMean) * (p - realMean)));
        return realStd == 0 ? throw new ArgumentException("the real image is flat (zero variance)") : spread / realStd;
    }
}
