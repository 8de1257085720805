using SetGan.Core.Imaging;

namespace SetGan.Trainer.Tests;

internal static class TestImages
{
    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "SetGan.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("SetGan.sln not found above the test folder");
    }

    /// <summary>Balloons shrunk to 48x36: a four-scale pyramid that trains in seconds.</summary>
    public static RgbImage TinyBalloons() =>
        ImageResize.ToSize(ImageFile.Load(Path.Combine(RepoRoot(), "samples", "balloons.png")), 48, 36);

    public static byte[] TinyBalloonsPng() => ImageFile.EncodePng(TinyBalloons());
}
