using SetGan.Core.Imaging;
using SetGan.Core.Packaging;

namespace SetGan.Core.Tests.Packaging;

/// <summary>SinGAN's image apps on a package: right output size, deterministic with a seed.</summary>
public sealed class ImageAppsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-apps-").FullName;
    private readonly PyramidPackage pyramid;
    private readonly RgbImage picture = ImageResize.ToSize(ImageFile.Load(RepoPaths.Balloons), 60, 40);

    public ImageAppsTests()
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        pyramid = PyramidPackage.Load(package, publicKey);
    }

    public void Dispose()
    {
        pyramid.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private static void ShouldBeSize(RgbImage image, int width, int height) => (image.Width, image.Height).ShouldBe((width, height));

    [Fact]
    public void Paint_to_image_injects_at_a_coarse_scale_and_returns_the_finest_size()
    {
        var result = ImageApps.Inject(pyramid, picture, startScale: 1, seed: 4);

        ShouldBeSize(result, TestPackages.Sizes[^1].Width, TestPackages.Sizes[^1].Height);
        result.Pixels.ShouldBe(ImageApps.Inject(pyramid, picture, startScale: 1, seed: 4).Pixels);
        result.Pixels.ShouldNotBe(ImageApps.Inject(pyramid, picture, startScale: 1, seed: 5).Pixels);
    }

    [Fact]
    public void Injection_can_stop_at_a_truncation_k()
    {
        var result = ImageApps.Inject(pyramid, picture, startScale: 1, k: 2, seed: 4);

        ShouldBeSize(result, TestPackages.Sizes[2].Width, TestPackages.Sizes[2].Height);
    }

    [Fact]
    public void Injecting_at_scale_0_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => ImageApps.Inject(pyramid, picture, startScale: 0)).Message.ShouldContain("scale 0");

    [Fact]
    public void Harmonization_changes_only_the_masked_region()
    {
        var mask = new RgbImage(picture.Width, picture.Height);
        for (int y = 10; y < 25; y++)
            for (int x = 20; x < 40; x++)
                for (int c = 0; c < 3; c++) mask[c, y, x] = 1f;

        var result = ImageApps.InjectMasked(pyramid, picture, mask, startScale: 3, seed: 2, softenRadius: 1);

        var size = TestPackages.Sizes[^1];
        ShouldBeSize(result, size.Width, size.Height);
        var original = ImageResize.ToSize(picture, size.Width, size.Height);
        result[0, 0, 0].ShouldBe(original[0, 0, 0], 1e-6f);                       // far from the mask: untouched
        result.Pixels.ShouldBe(ImageApps.InjectMasked(pyramid, picture, mask, 3, seed: 2, softenRadius: 1).Pixels);
        result.Pixels.ShouldNotBe(original.Pixels);                              // inside the mask: generated
    }

    [Fact]
    public void Super_resolution_enlarges_by_the_factor_deterministically()
    {
        var result = ImageApps.SuperResolve(pyramid, picture, factor: 2, seed: 1);

        ShouldBeSize(result, 120, 80);
        result.Pixels.ShouldBe(ImageApps.SuperResolve(pyramid, picture, factor: 2, seed: 1).Pixels);
    }

    [Fact]
    public void A_super_resolution_factor_of_one_or_less_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => ImageApps.SuperResolve(pyramid, picture, factor: 1));
}
