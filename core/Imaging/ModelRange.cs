namespace SetGan.Core.Imaging;

/// <summary>
/// SinGAN works on images in [-1, 1] (its norm/denorm); <see cref="RgbImage"/> holds [0, 1].
/// The one place that maps between the two, for the trainer and the ONNX runner alike.
/// </summary>
public static class ModelRange
{
    public static float[] FromImage(RgbImage image)
    {
        var values = new float[image.Pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp((image.Pixels[i] - 0.5f) * 2f, -1f, 1f);
        return values;
    }

    /// <summary>Copies model output into a new image, clamped to [0, 1].</summary>
    public static RgbImage ToImage(ReadOnlySpan<float> values, int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = Math.Clamp((values[i] + 1f) / 2f, 0f, 1f);
        return image;
    }
}
