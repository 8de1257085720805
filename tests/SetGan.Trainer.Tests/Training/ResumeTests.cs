using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Trainer.Tests.Training;

public sealed class ResumeTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("setgan-resume-").FullName;
    private static readonly TrainingSettings Tiny = TrainingSettings.Quick with { Iterations = 3, MaxSize = 48 };

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Cancels the run right after a given scale is saved, as Ctrl+C would.</summary>
    private sealed class StopAfter(int scale, CancellationTokenSource cancel) : ITrainingObserver
    {
        public List<(int Scale, bool Resumed)> Started { get; } = [];
        public void ScaleStarted(int n, ScaleSize size, int nfc, bool resumed) => Started.Add((n, resumed));
        public void ScaleFinished(int n, ScaleRecord record) { if (n == scale) cancel.Cancel(); }
    }

    private (ModelDirectory Dir, PyramidTrainer Trainer) Begin(string output)
    {
        var trainer = new PyramidTrainer(Tiny, Serilog.Core.Logger.None);
        var image = TestImages.TinyBalloons();
        var record = trainer.Describe("tiny.png", TestImages.TinyBalloonsPng(), trainer.Geometry(image));
        return (ModelDirectory.BeginTraining(output, record, force: false), trainer);
    }

    [Fact]
    public void An_interrupted_run_resumes_at_the_first_unfinished_scale_and_keeps_the_finished_ones()
    {
        string output = Path.Combine(root, "model");
        var image = TestImages.TinyBalloons();

        using (var cancel = new CancellationTokenSource())
        {
            var (dir, trainer) = Begin(output);
            var observer = new StopAfter(1, cancel);
            Should.Throw<OperationCanceledException>(() => trainer.Train(image, dir, observer, cancel.Token));
            dir.CompletedScales().ShouldBe(2);
        }
        Directory.Exists(output).ShouldBeFalse("an unfinished model must not appear under the final name");
        byte[] scale0 = File.ReadAllBytes(Path.Combine(output + ModelDirectory.PartialSuffix, "scale-00", ModelDirectory.GeneratorFile));

        var (again, trainer2) = Begin(output);
        var watcher = new StopAfter(-1, new CancellationTokenSource());
        trainer2.Train(image, again, watcher, CancellationToken.None);
        var done = again.Complete();

        int scales = trainer2.Geometry(image).ScaleCount;
        watcher.Started.ShouldBe(Enumerable.Range(2, scales - 2).Select(n => (n, n == 2)).ToList());
        done.Path.ShouldBe(Path.GetFullPath(output));
        done.CompletedScales().ShouldBe(scales);
        done.ReadModel().Complete.ShouldBeTrue();
        Directory.Exists(output + ModelDirectory.PartialSuffix).ShouldBeFalse();
        File.ReadAllBytes(Path.Combine(output, "scale-00", ModelDirectory.GeneratorFile)).ShouldBe(scale0);
    }

    [Fact]
    public void A_partial_run_with_other_settings_is_not_resumed_silently()
    {
        string output = Path.Combine(root, "model");
        Begin(output);
        var other = new PyramidTrainer(Tiny with { Iterations = 4 }, Serilog.Core.Logger.None);
        var image = TestImages.TinyBalloons();
        var record = other.Describe("tiny.png", TestImages.TinyBalloonsPng(), other.Geometry(image));

        Should.Throw<CheckpointException>(() => ModelDirectory.BeginTraining(output, record, force: false)).Message.ShouldContain("other image or settings");
    }

    [Fact]
    public void A_model_still_training_cannot_be_opened_as_finished()
    {
        string output = Path.Combine(root, "model");
        Begin(output);

        Should.Throw<CheckpointException>(() => ModelDirectory.Open(output)).Message.ShouldContain("interrupted");
    }

    [Fact]
    public void A_scale_checkpoint_records_sizes_noise_amp_and_z_opt()
    {
        string output = Path.Combine(root, "model");
        var (dir, trainer) = Begin(output);
        trainer.Train(TestImages.TinyBalloons(), dir, null, CancellationToken.None);

        var coarsest = dir.ReadScale(0);
        var finer = dir.ReadScale(1);

        var size = trainer.Geometry(TestImages.TinyBalloons()).Sizes[0];
        (coarsest.Width, coarsest.Height).ShouldBe((size.Width, size.Height));
        coarsest.NoiseAmp.ShouldBe(1.0);
        coarsest.ZOpt!.Length.ShouldBe(size.Pixels);
        finer.ZOpt.ShouldBeNull(); // zero noise above scale 0
        finer.NoiseAmp.ShouldBeGreaterThan(0);
        finer.NoiseAmp.ShouldBeLessThan(0.2);
    }
}
