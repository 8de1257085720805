using SetGan.Core.Quality;

namespace SetGan.Core.Tests.Quality;

public class SsimTests
{
    [Fact]
    public void An_image_is_identical_to_itself()
    {
        var image = TestImages.Waves();
        Ssim.Compute(image, image).ShouldBe(1.0, 1e-12);
    }

    [Fact]
    public void Flat_images_follow_the_luminance_term_exactly()
    {
        // With no variance, SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) everywhere.
        double c1 = 0.01 * 0.01, a = 0.3, b = 0.6;
        double expected = (2 * a * b + c1) / (a * a + b * b + c1);
        Ssim.Compute(TestImages.Constant((float)a), TestImages.Constant((float)b)).ShouldBe(expected, 1e-6);
    }

    [Theory]
    [InlineData("ramp_vs_distorted", 0.2525773837)]
    [InlineData("waves_vs_shifted", 0.8794128505)]
    [InlineData("waves_vs_dark", 0.6658293147)]
    public void Matches_scikit_image_reference_values(string pair, double reference)
    {
        // The reference values come from scikit-image 0.19.3 (ssim_reference.py next to this file).
        var (x, y) = pair switch
        {
            "ramp_vs_distorted" => (TestImages.Ramp(), TestImages.RampDistorted()),
            "waves_vs_shifted" => (TestImages.Waves(), TestImages.Waves(shift: 2)),
            _ => (TestImages.Waves(), TestImages.Waves(mean: 0.25, amplitude: 0.2)),
        };
        Ssim.Compute(x, y).ShouldBe(reference, 1e-6);
    }

    [Fact]
    public void A_shifted_image_scores_lower_the_further_it_moves()
    {
        var image = TestImages.Waves();
        double one = Ssim.Compute(image, TestImages.Waves(shift: 1)), three = Ssim.Compute(image, TestImages.Waves(shift: 3));
        one.ShouldBeLessThan(1.0);
        three.ShouldBeLessThan(one);
    }

    [Fact]
    public void Is_symmetric()
    {
        var (x, y) = (TestImages.Ramp(), TestImages.RampDistorted());
        Ssim.Compute(x, y).ShouldBe(Ssim.Compute(y, x), 1e-12);
    }

    [Fact]
    public void Refuses_images_of_different_sizes_or_smaller_than_the_window()
    {
        Should.Throw<ArgumentException>(() => Ssim.Compute(TestImages.Waves(), TestImages.Waves(width: 41)));
        Should.Throw<ArgumentException>(() => Ssim.Compute(TestImages.Constant(0.5f, 10, 10), TestImages.Constant(0.5f, 10, 10)))
            .Message.ShouldContain("11x11");
    }
}
