using SetGan.Core.Imaging;

namespace SetGan.Trainer.Tests;

internal static class TestImages
{
    /// <summary>Balloons shrunk to 48x36: a four-scale pyramid that trains in seconds.</summary>
    public static RgbImage TinyBalloons() =>
        ImageResize.ToSize(ImageFile.Load(RepoPaths.Balloons), 48, 36);

    public static byte[] TinyBalloonsPng() => ImageFile.EncodePng(TinyBalloons());
}
