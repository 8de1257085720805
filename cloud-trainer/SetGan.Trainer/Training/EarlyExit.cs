using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Core.Quality;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>
/// SETGAN's early exit: the pyramid needs no scale above k once the reconstruction of G_0..G_k,
/// upsampled to the finest size as a viewer sees it, reaches SSIM >= T against the real image.
/// </summary>
public static class EarlyExit
{
    public static double Ssim(IReadOnlyList<TrainedScale> prefix, RgbImage finestReal, Device device)
    {
        var sizes = prefix.Select(s => s.Size).ToList();
        using var output = PyramidSampler.Run(prefix, sizes, NoiseMode.Reconstruction, device);
        return Core.Quality.Ssim.Compute(ImageResize.ToMatch(TorchImages.ToImage(output), finestReal), finestReal);
    }

    /// <summary>Whether k reaches the target; the reason is what the log and model.json record.</summary>
    public static (bool Reached, string Reason) Check(int k, double ssim, double target, int scaleCount) =>
        ssim >= target
            ? (true, $"the reconstruction at k = {k} reaches SSIM {ssim:F3} >= {target:F3}; scales {k + 1}..{scaleCount - 1} are not needed")
            : (false, $"SSIM at k = {k} is {ssim:F3} < {target:F3}");
}
