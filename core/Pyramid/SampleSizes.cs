namespace SetGan.Core.Pyramid;

/// <summary>Scale sizes for samples that are not at the trained size (SinGAN's random_samples_arbitrary_sizes).</summary>
public static class SampleSizes
{
    /// <summary>
    /// Sizes 0..k for a sample whose scale-k output is <paramref name="output"/>: every scale is
    /// stretched by the same factor per axis as scale k.
    /// </summary>
    public static IReadOnlyList<ScaleSize> ForOutput(IReadOnlyList<ScaleSize> trained, ScaleSize output, int k)
    {
        if (k < 0 || k >= trained.Count) throw new ArgumentOutOfRangeException(nameof(k), $"scale {k} is outside 0..{trained.Count - 1}");
        double fx = (double)output.Width / trained[k].Width, fy = (double)output.Height / trained[k].Height;
        var sizes = new ScaleSize[k + 1];
        for (int n = 0; n < k; n++)
            sizes[n] = new ScaleSize(Math.Max(1, (int)Math.Round(trained[n].Width * fx)), Math.Max(1, (int)Math.Round(trained[n].Height * fy)));
        sizes[k] = output;
        return sizes;
    }
}
