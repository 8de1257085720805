using SetGan.Core.Imaging;
using SkiaSharp;

namespace SetGan.Core.Tests;

public sealed class ImageFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-images-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Encode(SKEncodedImageFormat format, int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(color);
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    [Fact]
    public void Png_round_trips_exactly()
    {
        var image = new RgbImage(3, 2);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (i * 17 % 256) / 255f;
        string path = Path.Combine(dir, "round.png");

        ImageFile.SavePng(image, path);
        var back = ImageFile.Load(path);

        back.Width.ShouldBe(3);
        back.Height.ShouldBe(2);
        back.Pixels.ShouldBe(image.Pixels, tolerance: 1e-6f);
    }

    [Fact]
    public void Jpeg_loads_with_its_colour()
    {
        var image = ImageFile.Load(Write("red.jpg", Encode(SKEncodedImageFormat.Jpeg, 40, 30, new SKColor(200, 30, 30))));

        image.Width.ShouldBe(40);
        image[0, 10, 10].ShouldBe(200 / 255f, 0.03f);
        image[1, 10, 10].ShouldBe(30 / 255f, 0.03f);
    }

    [Fact]
    public void Transparency_is_flattened_onto_white()
    {
        // 50% transparent black: c * a + white * (1 - a) = 0.5 grey.
        var image = ImageFile.Load(Write("half.png", Encode(SKEncodedImageFormat.Png, 4, 4, new SKColor(0, 0, 0, 128))));

        image[0, 1, 1].ShouldBe(1 - 128 / 255f, 1e-5f);
        image[2, 3, 3].ShouldBe(1 - 128 / 255f, 1e-5f);
    }

    [Fact]
    public void Fully_transparent_pixels_become_white_whatever_colour_they_hide()
    {
        var image = ImageFile.Load(Write("clear.png", Encode(SKEncodedImageFormat.Png, 4, 4, new SKColor(255, 0, 0, 0))));

        image.Pixels.ShouldAllBe(v => Math.Abs(v - 1f) < 1e-6f);
    }

    [Fact]
    public void A_missing_file_says_not_found() =>
        Should.Throw<ImageLoadException>(() => ImageFile.Load(Path.Combine(dir, "nope.png"))).Message.ShouldContain("not found");

    [Fact]
    public void A_folder_is_not_an_image() =>
        Should.Throw<ImageLoadException>(() => ImageFile.Load(dir)).Message.ShouldContain("folder");

    [Fact]
    public void An_empty_file_is_rejected() =>
        Should.Throw<ImageLoadException>(() => ImageFile.Load(Write("empty.png", []))).Message.ShouldContain("empty");

    [Fact]
    public void Text_is_not_an_image() =>
        Should.Throw<ImageLoadException>(() => ImageFile.Load(Write("notes.png", "hello, not a picture"u8.ToArray()))).Message.ShouldContain("not a readable image");

    [Fact]
    public void A_truncated_png_is_reported_as_damaged()
    {
        byte[] png = File.ReadAllBytes(RepoPaths.Balloons);
        string path = Write("cut.png", png[..(png.Length / 2)]);

        Should.Throw<ImageLoadException>(() => ImageFile.Load(path)).Message.ShouldContain("damaged");
    }

    [Fact]
    public void Formats_other_than_png_and_jpeg_are_refused_by_name()
    {
        var error = Should.Throw<ImageLoadException>(() => ImageFile.Load(Write("a.webp", Encode(SKEncodedImageFormat.Webp, 8, 8, SKColors.Blue))));

        error.Message.ShouldContain("Webp");
        error.Message.ShouldContain("PNG and JPEG");
    }

    [Fact]
    public void The_bundled_balloons_image_loads_at_its_size()
    {
        var image = ImageFile.Load(RepoPaths.Balloons);

        (image.Width, image.Height).ShouldBe((248, 186));
        image.Pixels.ShouldAllBe(v => v >= 0f && v <= 1f);
    }
}
