using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests;

public class PyramidGeometryTests
{
    // Expected values come from SinGAN's own adjust_scales2image + creat_reals_pyramid
    // (tamarott/SinGAN functions.py, imresize output = ceil(size * scale)) run in Python.
    [Theory]
    [InlineData(248, 186, 250, "34x25 43x33 56x42 71x54 91x69 117x88 151x113 193x145 248x186", 0.7781321924164794)]
    [InlineData(248, 186, 128, "34x25 44x33 58x43 75x57 98x74 128x96", 0.7640710679078994)]
    [InlineData(244, 164, 250, "38x25 48x32 60x41 76x51 96x65 121x82 153x103 193x130 244x164", 0.790472962961716)]
    [InlineData(256, 201, 250, "32x25 42x33 54x42 69x55 90x71 116x91 150x118 194x153 250x197", 0.7725635656351064)]
    [InlineData(1920, 1080, 250, "45x25 57x33 73x41 94x53 120x68 154x87 197x111 251x141", 0.7810420455400876)]
    [InlineData(40, 40, 250, "26x26 30x30 35x35 40x40", 0.8549879733383485)]
    [InlineData(100, 300, 250, "25x75 32x95 41x121 52x154 66x197 84x250", 0.7847514819743485)]
    [InlineData(64, 48, 64, "34x25 40x30 47x35 55x41 64x48", 0.8495221224235613)]
    public void Scale_sizes_match_SinGAN(int width, int height, int maxSize, string expectedSizes, double expectedFactor)
    {
        var geometry = PyramidGeometry.ForImage(width, height, maxSize);

        string.Join(" ", geometry.Sizes).ShouldBe(expectedSizes);
        geometry.ScaleFactor.ShouldBe(expectedFactor, 1e-12);
    }

    [Fact]
    public void Balloons_at_250_px_has_nine_scales_with_the_finest_at_full_size()
    {
        var geometry = PyramidGeometry.ForImage(248, 186, 250);

        geometry.ScaleCount.ShouldBe(9);
        geometry.Finest.ShouldBe(new ScaleSize(248, 186));
        geometry.Scale1.ShouldBe(1.0);
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(3, 32)]
    [InlineData(4, 64)]
    [InlineData(7, 64)]
    [InlineData(8, 128)]
    [InlineData(12, 128)]
    public void Nfc_doubles_every_four_scales_up_to_128(int scale, int nfc) => NetworkWidth.Nfc(scale).ShouldBe(nfc);

    [Theory]
    [InlineData(25, 100)]
    [InlineData(20, 20)]
    [InlineData(100, 10)]
    public void A_short_side_of_25_px_or_less_is_rejected_with_the_reason(int width, int height)
    {
        var error = Should.Throw<ArgumentOutOfRangeException>(() => PyramidGeometry.ForImage(width, height, 250));
        error.Message.ShouldContain($"{width}x{height}");
    }

    [Fact]
    public void A_max_size_too_small_for_a_pyramid_is_rejected() =>
        Should.Throw<ArgumentOutOfRangeException>(() => PyramidGeometry.ForImage(248, 186, 20)).Message.ShouldContain("max size");

    [Fact]
    public void Arbitrary_output_sizes_stretch_every_scale_by_the_same_factors()
    {
        var trained = PyramidGeometry.ForImage(248, 186, 128).Sizes;

        var sizes = SampleSizes.ForOutput(trained, new ScaleSize(256, 96), k: 5);

        sizes[5].ShouldBe(new ScaleSize(256, 96));
        sizes[0].ShouldBe(new ScaleSize(68, 25)); // 34 * 2 wide, height unchanged
        sizes.Count.ShouldBe(6);
    }

    [Fact]
    public void Size_text_parses_and_rejects_nonsense()
    {
        ScaleSize.Parse("320x240").ShouldBe(new ScaleSize(320, 240));
        Should.Throw<FormatException>(() => ScaleSize.Parse("320")).Message.ShouldContain("WIDTHxHEIGHT");
        Should.Throw<FormatException>(() => ScaleSize.Parse("0x10"));
    }
}
