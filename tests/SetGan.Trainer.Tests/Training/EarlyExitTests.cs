using SetGan.Trainer.Training;

namespace SetGan.Trainer.Tests.Training;

public class EarlyExitTests
{
    [Fact]
    public void The_first_k_whose_ssim_reaches_the_target_ends_the_pyramid()
    {
        // A constructed SSIM curve over k: the early exit takes the first k at or above T.
        double[] ssim = [0.41, 0.55, 0.68, 0.74, 0.79, 0.83];
        int? exit = Enumerable.Range(0, ssim.Length).Cast<int?>().FirstOrDefault(k => EarlyExit.Check(k!.Value, ssim[k.Value], 0.75, ssim.Length).Reached);

        exit.ShouldBe(4);
        EarlyExit.Check(4, ssim[4], 0.75, ssim.Length).Reason.ShouldBe("the reconstruction at k = 4 reaches SSIM 0.790 >= 0.750; scales 5..5 are not needed");
        EarlyExit.Check(3, ssim[3], 0.75, ssim.Length).Reason.ShouldBe("SSIM at k = 3 is 0.740 < 0.750");
    }

    [Fact]
    public void A_target_no_k_reaches_never_exits()
    {
        double[] ssim = [0.41, 0.55, 0.68];
        Enumerable.Range(0, ssim.Length).ShouldAllBe(k => !EarlyExit.Check(k, ssim[k], 0.9, ssim.Length).Reached);
    }
}
