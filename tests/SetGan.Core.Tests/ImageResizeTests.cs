using SetGan.Core.Imaging;

namespace SetGan.Core.Tests;

public class ImageResizeTests
{
    private static RgbImage Ramp(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    image[c, y, x] = x / (float)(width - 1);
        return image;
    }

    [Fact]
    public void Output_size_is_the_ceiling_of_size_times_scale_as_in_SinGAN()
    {
        var resized = ImageResize.ByScale(new RgbImage(248, 186), 0.75);

        (resized.Width, resized.Height).ShouldBe((186, 140)); // ceil(139.5) = 140
    }

    [Fact]
    public void A_constant_image_stays_constant_when_shrunk_or_grown()
    {
        var grey = new RgbImage(37, 23);
        Array.Fill(grey.Pixels, 0.4f);

        ImageResize.ByScale(grey, 0.3).Pixels.ShouldAllBe(v => Math.Abs(v - 0.4f) < 1e-5f);
        ImageResize.ToSize(grey, 80, 50).Pixels.ShouldAllBe(v => Math.Abs(v - 0.4f) < 1e-5f);
    }

    [Fact]
    public void A_linear_ramp_is_reproduced_away_from_the_borders()
    {
        // Keys' cubic reproduces linear functions; halving maps output x to input 2x + 0.5.
        var small = ImageResize.ByScale(Ramp(64, 8), 0.5);

        for (int x = 4; x < 28; x++)
            small[0, 2, x].ShouldBe((2 * x + 0.5f) / 63f, 1e-4f);
    }

    [Fact]
    public void Shrinking_antialiases_a_checkerboard_to_grey()
    {
        var board = new RgbImage(64, 64);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                for (int c = 0; c < 3; c++) board[c, y, x] = (x + y) % 2;

        var small = ImageResize.ByScale(board, 0.25);

        for (int y = 2; y < 14; y++)
            for (int x = 2; x < 14; x++)
                small[0, y, x].ShouldBe(0.5f, 0.02f);
    }
}
