using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Training;

/// <summary>
/// Hand-over (ours): a parallel scale trains on the real image below until the chain below is final, then on the chain's samples.
/// </summary>
public sealed class HandOverTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("setgan-handover-").FullName;
    private static readonly TrainingSettings Tiny = TrainingSettings.Quick with { Iterations = 6, MaxSize = 48 };

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_scale_switches_to_the_chain_at_the_first_iteration_after_it_is_ready_and_takes_its_noise_amp_from_it()
    {
        using var setup = new TwoScales();
        int asked = 0;
        var job = setup.Scale1Job(Tiny, () => ++asked < 4 ? null : setup.Chain());

        var outcome = ScaleTrainer.Train(job, setup.G, setup.D, null, CancellationToken.None);

        outcome.HandedOverAt.ShouldBe(3); // asked before iterations 1, 2, 3 (not ready), then ready before iteration 4
        asked.ShouldBe(4);                // and never asked again
        outcome.Last.Iteration.ShouldBe(6);
        // noise_amp is SinGAN's, from the chain's reconstruction, not the real image's.
        using var chainReconstruction = setup.Chain().Reconstruction();
        outcome.NoiseAmp.ShouldBe(ScaleTrainer.NoiseAmp(setup.Real1, chainReconstruction, Tiny.NoiseAmpInit), 1e-6);
        using var realBelow = PyramidSampler.Upsample(setup.Real0, setup.Sizes[1]);
        Math.Abs(outcome.NoiseAmp - ScaleTrainer.NoiseAmp(setup.Real1, realBelow, Tiny.NoiseAmpInit)).ShouldBeGreaterThan(1e-4);
    }

    [Fact]
    public void A_chain_that_never_becomes_ready_leaves_the_papers_conditioning()
    {
        using var setup = new TwoScales();
        var outcome = ScaleTrainer.Train(setup.Scale1Job(Tiny, () => null), setup.G, setup.D, null, CancellationToken.None);

        outcome.HandedOverAt.ShouldBeNull();
        using var realBelow = PyramidSampler.Upsample(setup.Real0, setup.Sizes[1]);
        outcome.NoiseAmp.ShouldBe(ScaleTrainer.NoiseAmp(setup.Real1, realBelow, Tiny.NoiseAmpInit), 1e-6);
    }

    [Fact]
    public void Early_stop_watches_again_from_the_hand_over()
    {
        // Tolerance 0.5 calls nearly every window a plateau: on the real image alone the scale would step its learning rate at
        // iteration 4 and stop at 6. Handed over before iteration 6, it needs 4 more iterations before the next plateau can count.
        var settings = Tiny with { Iterations = 200, EarlyStop = new EarlyStopSettings(MinIterations: 4, Window: 2, Tolerance: 0.5) };
        using var setup = new TwoScales();
        int asked = 0;
        var outcome = ScaleTrainer.Train(setup.Scale1Job(settings, () => ++asked < 6 ? null : setup.Chain()), setup.G, setup.D, null, CancellationToken.None);

        outcome.HandedOverAt.ShouldBe(5);
        outcome.EarlyStop.ShouldNotBeNull();
        outcome.Last.Iteration.ShouldBeGreaterThanOrEqualTo(5 + 4 + 2);
        outcome.Last.Iteration.ShouldBeLessThan(200);
    }

    [Fact]
    public void On_one_thread_every_scale_above_0_trains_on_the_chain_below_from_its_first_iteration_and_is_not_tuned()
    {
        var settings = Tiny with { Iterations = 3, Mode = TrainingMode.Parallel, Threads = 1, HandOver = true, ChainTuneSteps = 5 };
        var image = TestImages.TinyBalloons();
        var trainer = new PyramidTrainer(settings, Serilog.Core.Logger.None);
        var geometry = trainer.Geometry(image);
        var dir = ModelDirectory.BeginTraining(Path.Combine(root, "model"), trainer.Describe("tiny.png", TestImages.TinyBalloonsPng(), geometry), force: false);

        trainer.Train(image, dir, null, CancellationToken.None);

        dir.ReadModel().SettingsFingerprint.ShouldEndWith(";handover");
        dir.ReadScale(0).HandedOverAt.ShouldBeNull();
        var reals = PyramidTrainer.RealPyramid(image, geometry);
        using var pyramid = TrainedPyramid.Load(dir, CPU);
        for (int n = 1; n < geometry.ScaleCount; n++)
        {
            dir.ReadScale(n).HandedOverAt.ShouldBe(0);
            dir.ReadScale(n).ChainTune.ShouldBeNull(); // it knows the chain already, as SinGAN's G_n does
            // Its noise_amp comes from the reconstruction of G_0..G_{n-1} as saved.
            using var real = TorchImages.ToTensor(reals[n], CPU);
            using var below = PyramidSampler.DrawConcat(pyramid.Scales.Take(n).ToList(), geometry.Sizes.Take(n).ToList(), NoiseMode.Reconstruction, geometry.Sizes[n], CPU);
            dir.ReadScale(n).NoiseAmp.ShouldBe(ScaleTrainer.NoiseAmp(real, below, settings.NoiseAmpInit), 1e-6);
        }
    }

    [Fact]
    public void Hand_over_is_part_of_the_settings_a_resume_must_match()
    {
        var parallel = TrainingSettings.Quick with { Mode = TrainingMode.Parallel };
        parallel.HandOver.ShouldBeTrue(); // on by default
        var without = parallel with { HandOver = false };
        parallel.Fingerprint().ShouldNotBe(without.Fingerprint());
        without.Fingerprint().ShouldNotContain("handover"); // runs from before the option resume with --handover false
        (TrainingSettings.Quick with { Mode = TrainingMode.Sequential }).Fingerprint().ShouldNotContain("handover");
    }

    /// <summary>A frozen, untrained G_0 and a fresh G_1/D_1 on the tiny image's two coarsest scales.</summary>
    private sealed class TwoScales : IDisposable
    {
        private readonly TrainedScale scale0;
        private readonly TorchSharp.torch.Generator random = new(11);

        public TwoScales()
        {
            var image = TestImages.TinyBalloons();
            var geometry = PyramidGeometry.ForImage(image.Width, image.Height, Tiny.MaxSize);
            Sizes = geometry.Sizes;
            var reals = PyramidTrainer.RealPyramid(image, geometry);
            Real0 = TorchImages.ToTensor(reals[0], CPU);
            Real1 = TorchImages.ToTensor(reals[1], CPU);
            var g0 = new Generator(32, random);
            TrainedPyramid.Freeze(g0);
            scale0 = new TrainedScale(0, Sizes[0], 32, g0, 1.0, PyramidSampler.Noise(0, Sizes[0], CPU, random));
            G = new Generator(32, random);
            D = new Discriminator(32, random);
        }

        public IReadOnlyList<ScaleSize> Sizes { get; }
        public Tensor Real0 { get; }
        public Tensor Real1 { get; }
        public Generator G { get; }
        public Discriminator D { get; }

        public ScaleConditioning Chain() => new ScaleConditioning.OnGenerated([scale0], [Sizes[0]], Sizes[1], CPU);

        public ScaleJob Scale1Job(TrainingSettings settings, Func<ScaleConditioning?> chainBelow) =>
            ScaleJob.Parallel(1, Real1, Real0, Sizes, settings, CPU, random, chainBelow);

        public void Dispose()
        {
            scale0.Dispose();
            G.Dispose();
            D.Dispose();
            Real0.Dispose();
            Real1.Dispose();
            random.Dispose();
        }
    }
}
