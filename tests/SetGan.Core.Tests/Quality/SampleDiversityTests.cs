using SetGan.Core.Imaging;
using SetGan.Core.Quality;

namespace SetGan.Core.Tests.Quality;

public class SampleDiversityTests
{
    [Fact]
    public void Identical_samples_have_no_diversity()
    {
        var image = TestImages.Waves();
        SampleDiversity.Compute([image, image, image], image).ShouldBe(0.0);
    }

    [Fact]
    public void Two_samples_differing_by_a_known_offset_give_the_known_ratio()
    {
        // Two samples a and a + d: per-pixel std = d / 2; divided by the real image's std.
        var real = TestImages.Waves();
        const float d = 0.2f;
        var shifted = new RgbImage(real.Width, real.Height, real.Pixels.Select(p => p + d).ToArray());
        double mean = real.Pixels.Average(p => (double)p);
        double std = Math.Sqrt(real.Pixels.Average(p => (p - mean) * (p - mean)));
        SampleDiversity.Compute([real, shifted], real).ShouldBe(d / 2 / std, 1e-5);
    }

    [Fact]
    public void Needs_two_samples_and_a_real_image_with_some_contrast()
    {
        var image = TestImages.Waves();
        Should.Throw<ArgumentException>(() => SampleDiversity.Compute([image], image));
        Should.Throw<ArgumentException>(() => SampleDiversity.Compute([image, image], TestImages.Constant(0.5f)));
    }
}
