using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Trainer.Tests.Training;

public sealed class ParallelTrainingTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("setgan-parallel-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static TrainingSettings Tiny(TrainingMode mode, int threads = 1) =>
        TrainingSettings.Quick with { Iterations = 3, MaxSize = 48, Mode = mode, Threads = threads };

    private (ModelDirectory Dir, PyramidTrainer Trainer) Begin(string name, TrainingSettings settings)
    {
        var trainer = new PyramidTrainer(settings, Serilog.Core.Logger.None);
        var record = trainer.Describe("tiny.png", TestImages.TinyBalloonsPng(), trainer.Geometry(TestImages.TinyBalloons()));
        return (ModelDirectory.BeginTraining(Path.Combine(root, name), record, force: false), trainer);
    }

    private static byte[] Weights(ModelDirectory dir, int scale) => File.ReadAllBytes(Path.Combine(dir.ScaleDir(scale), ModelDirectory.GeneratorFile));

    [Fact]
    public void A_scale_trained_alone_equals_the_same_scale_trained_beside_the_others()
    {
        // The paper's parallel scales read nothing of each other: retraining only scale 2 gives the same weights.
        var image = TestImages.TinyBalloons();
        var (all, trainer) = Begin("all", Tiny(TrainingMode.Parallel) with { HandOver = false });
        trainer.Train(image, all, null, CancellationToken.None);

        var (alone, trainer2) = Begin("alone", Tiny(TrainingMode.Parallel) with { HandOver = false });
        foreach (int n in new[] { 0, 1, 3 }) CopyScale(all, alone, n);
        var started = new List<int>();
        trainer2.Train(image, alone, new Recorder(started), CancellationToken.None);

        started.ShouldBe([2]);
        Weights(alone, 2).ShouldBe(Weights(all, 2));
        // Scale 3 came over already tuned (its record says so) and is not tuned a second time.
        Weights(alone, 3).ShouldBe(Weights(all, 3));
    }

    [Theory]
    [InlineData(ComputePrecision.Float32)]
    [InlineData(ComputePrecision.BFloat16)]
    public void Every_scale_above_0_is_tuned_on_the_reconstruction_from_below_and_saved_tuned(ComputePrecision compute)
    {
        // In bf16 the tuning steps compute in bf16; the losses recorded before and after are the exported float32 function's.
        var image = TestImages.TinyBalloons();
        var (dir, trainer) = Begin($"tuned-{compute}", Tiny(TrainingMode.Parallel) with { ChainTuneSteps = 30, Compute = compute, HandOver = false });
        trainer.Train(image, dir, null, CancellationToken.None);

        dir.ReadScale(0).ChainTune.ShouldBeNull();
        var reals = PyramidTrainer.RealPyramid(image, trainer.Geometry(image));
        using var pyramid = SetGan.Trainer.SinGan.TrainedPyramid.Load(dir, TorchSharp.torch.CPU);
        for (int n = 1; n < 4; n++)
        {
            var tune = dir.ReadScale(n).ChainTune.ShouldNotBeNull();
            tune.Steps.ShouldBe(30);
            tune.RecAfter.ShouldBeLessThan(tune.RecBefore);
            // The saved weights are the tuned ones: the loaded pyramid reconstructs with the recorded loss.
            using var real = TorchImages.ToTensor(reals[n], TorchSharp.torch.CPU);
            using var rec = SetGan.Trainer.SinGan.PyramidSampler.Run(pyramid.Scales.Take(n + 1).ToList(), pyramid.Sizes.Take(n + 1).ToList(),
                SetGan.Trainer.SinGan.NoiseMode.Reconstruction, TorchSharp.torch.CPU);
            using var mse = TorchSharp.torch.nn.functional.mse_loss(rec, real);
            (mse.item<float>() * 10.0).ShouldBe(tune.RecAfter, 1e-5);
        }
    }

    [Fact]
    public void Chain_tuning_0_without_hand_over_is_the_papers_plain_parallel_mode()
    {
        var (dir, trainer) = Begin("plain", Tiny(TrainingMode.Parallel) with { ChainTuneSteps = 0, HandOver = false });
        trainer.Train(TestImages.TinyBalloons(), dir, null, CancellationToken.None);
        Enumerable.Range(0, 4).ShouldAllBe(n => dir.ReadScale(n).ChainTune == null && dir.ReadScale(n).HandedOverAt == null);
        dir.ReadModel().SettingsFingerprint.ShouldEndWith(";tune 0");
    }

    [Fact]
    public void The_same_seed_gives_the_same_pyramid()
    {
        var image = TestImages.TinyBalloons();
        var (a, t1) = Begin("a", Tiny(TrainingMode.Parallel));
        var (b, t2) = Begin("b", Tiny(TrainingMode.Parallel));
        t1.Train(image, a, null, CancellationToken.None);
        t2.Train(image, b, null, CancellationToken.None);
        for (int n = 0; n < 4; n++) Weights(a, n).ShouldBe(Weights(b, n));
    }

    [Fact]
    public void Without_hand_over_noise_amp_is_defined_from_the_real_image_below()
    {
        var image = TestImages.TinyBalloons();
        var (dir, trainer) = Begin("amp", Tiny(TrainingMode.Parallel) with { HandOver = false });
        trainer.Train(image, dir, null, CancellationToken.None);

        var geometry = trainer.Geometry(image);
        var reals = PyramidTrainer.RealPyramid(image, geometry);
        using var real2 = TorchImages.ToTensor(reals[2], TorchSharp.torch.CPU);
        using var real1 = TorchImages.ToTensor(reals[1], TorchSharp.torch.CPU);
        using var below = SetGan.Trainer.SinGan.PyramidSampler.Upsample(real1, geometry.Sizes[2]);
        dir.ReadScale(2).NoiseAmp.ShouldBe(ScaleTrainer.NoiseAmp(real2, below, 0.1), 1e-6);
        dir.ReadScale(0).ZOpt.ShouldNotBeNull();
    }

    [Fact]
    public void Progressive_training_publishes_a_verified_package_for_every_k_in_increasing_order()
    {
        var image = TestImages.TinyBalloons();
        var (priv, pub) = PackageSigning.NewKeyPair(Path.Combine(root, "keys"));
        var (dir, trainer) = Begin("prog", Tiny(TrainingMode.Progressive, threads: 2));
        var publisher = new ProgressivePublisher(Path.Combine(root, "packages"), File.ReadAllText(priv));

        trainer.Train(image, dir, null, CancellationToken.None, k => publisher.Publish(dir, k));

        var events = ProgressivePublisher.ReadEvents(publisher.Folder);
        events.Select(e => e.K).ShouldBe([0, 1, 2, 3]);
        events.Select(e => e.Version).ShouldBe([1, 2, 3, 4]);
        foreach (var e in events)
        {
            using var package = PyramidPackage.Load(e.Package, File.ReadAllText(pub));
            package.FinestScale.ShouldBe(e.K);
            package.Manifest.ModelsSha256().ShouldBe(e.ModelsSha256);
        }
    }

    [Theory]
    [InlineData(TrainingMode.Sequential)]
    [InlineData(TrainingMode.Parallel)]
    public void The_early_exit_stops_adding_scales_once_the_ssim_target_is_reached(TrainingMode mode)
    {
        // Any reconstruction beats an SSIM of 0.001, so the pyramid ends at k = 0.
        var image = TestImages.TinyBalloons();
        var (dir, trainer) = Begin($"exit-{mode}", Tiny(mode) with { SsimTarget = 0.001 });

        var summary = trainer.Train(image, dir, null, CancellationToken.None);

        summary.FinestScale.ShouldBe(0);
        summary.EarlyExit!.ShouldContain("reaches SSIM");
        var model = dir.ReadModel();
        model.Sizes.Count.ShouldBe(1);
        model.EarlyExit.ShouldBe(summary.EarlyExit);
        Enumerable.Range(1, 3).ShouldAllBe(n => !dir.HasScale(n));
    }

    [Fact]
    public void An_unreachable_ssim_target_trains_every_scale()
    {
        var (dir, trainer) = Begin("noexit", Tiny(TrainingMode.Sequential) with { SsimTarget = 1.0 });
        var summary = trainer.Train(TestImages.TinyBalloons(), dir, null, CancellationToken.None);
        (summary.FinestScale, summary.EarlyExit).ShouldBe((3, null));
    }

    [Fact]
    public void Early_stop_records_why_a_scale_ended_before_its_budget()
    {
        var settings = Tiny(TrainingMode.Parallel) with { Iterations = 200, EarlyStop = new EarlyStopSettings(MinIterations: 4, Window: 2, Tolerance: 0.5) };
        var (dir, trainer) = Begin("stop", settings);
        trainer.Train(TestImages.TinyBalloons(), dir, null, CancellationToken.None);

        var record = dir.ReadScale(0);
        record.Iterations.ShouldBeLessThan(200);
        record.EarlyStop!.ShouldContain("plateaued");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_warm_start_a_scale_after_the_scale_below_on_its_lane_starts_from_its_weights(bool warm)
    {
        // With a learning rate of 0 training moves no weight, so each scale's saved weights are the ones it started from.
        // One thread is one lane, 0..3 in order, all 32 channels wide.
        var settings = Tiny(TrainingMode.Parallel) with { WarmStart = warm, LearningRateG = 0, LearningRateD = 0, ChainTuneSteps = 0 };
        var (dir, trainer) = Begin($"warm-{warm}", settings);
        trainer.Train(TestImages.TinyBalloons(), dir, null, CancellationToken.None);

        var g0 = Parameters(dir, 0);
        for (int n = 1; n < 4; n++)
        {
            var gn = Parameters(dir, n);
            if (warm) gn.ShouldBe(g0);
            else gn.ShouldNotBe(g0);
        }
        dir.ReadModel().SettingsFingerprint.EndsWith(";warm").ShouldBe(warm);
    }

    [Fact]
    public void On_one_lane_with_hand_over_and_warm_start_parallel_training_is_SinGAN()
    {
        // Each scale after the first starts from the weights below and trains on the finished chain from its first iteration,
        // with the same random stream, and is therefore not tuned: nothing is left that differs from SinGAN's loop.
        var image = TestImages.TinyBalloons();
        var (seq, t1) = Begin("seq", Tiny(TrainingMode.Sequential));
        var (par, t2) = Begin("par", Tiny(TrainingMode.Parallel) with { HandOver = true, WarmStart = true, ChainTuneSteps = 30 });
        t1.Train(image, seq, null, CancellationToken.None);
        t2.Train(image, par, null, CancellationToken.None);
        for (int n = 0; n < 4; n++)
        {
            Weights(par, n).ShouldBe(Weights(seq, n), $"scale {n}");
            par.ReadScale(n).NoiseAmp.ShouldBe(seq.ReadScale(n).NoiseAmp);
            par.ReadScale(n).ChainTune.ShouldBeNull();
        }
    }

    /// <summary>G_n's parameters, without the batch-norm statistics that every forward pass in training moves.</summary>
    private static float[] Parameters(ModelDirectory dir, int n)
    {
        using var G = new SetGan.Trainer.SinGan.Generator(dir.ReadScale(n).Nfc);
        dir.LoadWeights(n, G);
        return G.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
    }

    private static void CopyScale(ModelDirectory from, ModelDirectory to, int n)
    {
        Directory.CreateDirectory(to.ScaleDir(n));
        foreach (var file in Directory.GetFiles(from.ScaleDir(n))) File.Copy(file, Path.Combine(to.ScaleDir(n), Path.GetFileName(file)));
    }

    private sealed class Recorder(List<int> started) : ITrainingObserver
    {
        public void ScaleStarted(int scale, ScaleSize size, int nfc, bool resumed) { lock (started) started.Add(scale); }
    }
}
