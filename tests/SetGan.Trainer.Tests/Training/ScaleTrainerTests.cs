using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Training;

public class ScaleTrainerTests
{
    [Fact]
    public void Noise_amp_is_a_tenth_of_the_rmse_between_real_and_reconstruction()
    {
        using var real = zeros(1, 3, 8, 8);
        using var reconstruction = full(1, 3, 8, 8, 0.5f);

        ScaleTrainer.NoiseAmp(real, reconstruction, 0.1).ShouldBe(0.05, 1e-7);
    }

    [Fact]
    public void Training_the_coarsest_scale_lowers_the_reconstruction_loss()
    {
        manual_seed(7);
        var image = TestImages.TinyBalloons();
        var settings = TrainingSettings.Quick with { Iterations = 40, MaxSize = 48 };
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, settings.MaxSize);
        var reals = PyramidTrainer.RealPyramid(image, geometry);
        using var real = TorchImages.ToTensor(reals[0], CPU);
        using var G = new Generator(32);
        using var D = new Discriminator(32);
        var reports = new List<IterationReport>();

        var outcome = ScaleTrainer.Train(ScaleJob.Sequential(0, real, [], geometry.Sizes, settings, CPU), G, D, reports.Add, CancellationToken.None);

        reports.Count.ShouldBe(40);
        outcome.NoiseAmp.ShouldBe(1.0); // noise_amp_0 = 1
        double first = reports.Take(3).Average(r => r.RecLoss), last = reports.TakeLast(3).Average(r => r.RecLoss);
        last.ShouldBeLessThan(first * 0.5, $"reconstruction loss went from {first:F4} to {last:F4}");
        reports.ShouldAllBe(r => double.IsFinite(r.ErrD) && double.IsFinite(r.ErrG));
    }

    [Fact]
    public void The_real_pyramid_has_the_geometry_sizes()
    {
        var image = TestImages.TinyBalloons();
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, 48);

        var reals = PyramidTrainer.RealPyramid(image, geometry);

        reals.Select(r => new ScaleSize(r.Width, r.Height)).ShouldBe(geometry.Sizes);
    }
}
