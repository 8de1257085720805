namespace SetGan.Core.Imaging;

/// <summary>
/// An RGB image as planar float channels (C, H, W order, like a tensor without the batch axis),
/// values in [0, 1]. The pixel layout matches what TorchSharp and ONNX Runtime take directly.
/// </summary>
public sealed class RgbImage
{
    public const int Channels = 3;

    public RgbImage(int width, int height, float[]? pixels = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        Width = width;
        Height = height;
        Pixels = pixels ?? new float[Channels * width * height];
        if (Pixels.Length != Channels * width * height)
            throw new ArgumentException($"expected {Channels * width * height} values for {width}x{height}, got {Pixels.Length}", nameof(pixels));
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Planar RGB, index = (c * Height + y) * Width + x.</summary>
    public float[] Pixels { get; }

    public float this[int c, int y, int x]
    {
        get => Pixels[(c * Height + y) * Width + x];
        set => Pixels[(c * Height + y) * Width + x] = value;
    }

    public override string ToString() => $"{Width}x{Height}";
}
