namespace SetGan.Core.Pyramid;

/// <summary>
/// The scales of a SinGAN pyramid for one image: exactly SinGAN's adjust_scales2image and
/// creat_reals_pyramid (functions.py), including its ceil() rounding, so that our scale sizes
/// are the ones the paper's code trains on. Scale 0 is the coarsest.
/// </summary>
public sealed record PyramidGeometry
{
    /// <summary>SinGAN's defaults: min_size 25, scale_factor 0.75.</summary>
    public const int DefaultMinSize = 25;
    public const double DefaultScaleFactorInit = 0.75;

    public required int SourceWidth { get; init; }
    public required int SourceHeight { get; init; }
    public required int MaxSize { get; init; }
    public required int MinSize { get; init; }
    public required double ScaleFactorInit { get; init; }

    /// <summary>scale1: the resize from the source to the finest scale (at most 1).</summary>
    public required double Scale1 { get; init; }

    /// <summary>The adjusted factor r between neighbouring scales (below 1).</summary>
    public required double ScaleFactor { get; init; }

    public required IReadOnlyList<ScaleSize> Sizes { get; init; }

    /// <summary>N + 1, the number of generators.</summary>
    public int ScaleCount => Sizes.Count;
    public int StopScale => Sizes.Count - 1;
    public ScaleSize Finest => Sizes[^1];

    public static PyramidGeometry ForImage(int width, int height, int maxSize,
        int minSize = DefaultMinSize, double scaleFactorInit = DefaultScaleFactorInit)
    {
        if (maxSize < minSize + 1)
            throw new ArgumentOutOfRangeException(nameof(maxSize), $"max size {maxSize} px must be larger than the coarsest scale's {minSize} px");
        int shortSide = Math.Min(width, height), longSide = Math.Max(width, height);
        if (shortSide <= minSize)
            throw new ArgumentOutOfRangeException(nameof(width),
                $"image is {width}x{height}; SinGAN needs a short side over {minSize} px to build more than one scale");

        int numScales = (int)Math.Ceiling(Math.Log((double)minSize / shortSide, scaleFactorInit)) + 1;
        int scale2Stop = (int)Math.Ceiling(Math.Log((double)Math.Min(maxSize, longSide) / longSide, scaleFactorInit));
        int stopScale = numScales - scale2Stop;
        double scale1 = Math.Min((double)maxSize / longSide, 1.0);
        int h1 = (int)Math.Ceiling(height * scale1), w1 = (int)Math.Ceiling(width * scale1);
        if (stopScale < 1 || Math.Min(h1, w1) <= minSize)
            throw new ArgumentOutOfRangeException(nameof(maxSize),
                $"image {width}x{height} at max size {maxSize} px leaves a short side of {Math.Min(h1, w1)} px: too small for a pyramid above {minSize} px");

        double scaleFactor = Math.Pow((double)minSize / Math.Min(h1, w1), 1.0 / stopScale);
        var sizes = new ScaleSize[stopScale + 1];
        for (int i = 0; i <= stopScale; i++)
        {
            double s = Math.Pow(scaleFactor, stopScale - i);
            sizes[i] = new ScaleSize((int)Math.Ceiling(w1 * s), (int)Math.Ceiling(h1 * s));
        }
        return new PyramidGeometry
        {
            SourceWidth = width, SourceHeight = height, MaxSize = maxSize, MinSize = minSize,
            ScaleFactorInit = scaleFactorInit, Scale1 = scale1, ScaleFactor = scaleFactor, Sizes = sizes,
        };
    }
}
