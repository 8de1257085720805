using System.Diagnostics;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Core.Quality;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Bench;

/// <summary>
/// SETGAN's headline, measured: the same image and iteration budget trained by SinGAN (sequential)
/// and by SETGAN (parallel, progressive, parallel + early stop) one after another in one run, with
/// the time each truncation k became usable and the quality of every k.
/// </summary>
public static class ModesBenchmark
{
    public sealed record Variant(string Name, TrainingSettings Settings);

    public sealed record ScaleSpan(int Scale, double Start, double End, int Iterations);

    /// <summary>Quality of truncation k: SSIM of the reconstruction, mean SSIM of random samples, SWD of random samples.</summary>
    public sealed record QualityAtK(int K, double Ssim, double SampleSsim, double Swd);

    public sealed record Result(string Name, double Seconds, List<double> UsableAt, List<ScaleSpan> Spans, List<QualityAtK> Quality, int Scales);

    public static Result Run(Variant variant, RgbImage image, string workDir, int samples, ProgressivePublisher? publisher = null)
    {
        string output = Path.Combine(workDir, variant.Name);
        var trainer = new PyramidTrainer(variant.Settings, Serilog.Core.Logger.None);
        var geometry = trainer.Geometry(image);
        var record = trainer.Describe("bench.png", ImageFile.EncodePng(image), geometry);
        var dir = ModelDirectory.BeginTraining(output, record, force: true);
        var clock = Stopwatch.StartNew();
        var timeline = new Timeline(clock);
        var usable = new List<double>();
        trainer.Train(image, dir, timeline, CancellationToken.None, k =>
        {
            publisher?.Publish(dir, k); // progressive: a usable k counts once its package is out
            lock (usable) usable.Add(clock.Elapsed.TotalSeconds);
        });
        double seconds = clock.Elapsed.TotalSeconds;
        var quality = Quality(dir, PyramidTrainer.RealPyramid(image, geometry)[^1], samples);
        return new Result(variant.Name, seconds, usable, timeline.Spans.OrderBy(s => s.Scale).ToList(), quality, usable.Count);
    }

    /// <summary>Per k: SSIM of the reconstruction and SWD of random samples, both upsampled to the finest size.</summary>
    private static List<QualityAtK> Quality(ModelDirectory dir, RgbImage real, int samples)
    {
        using var pyramid = TrainedPyramid.Load(dir, CPU);
        var swd = new PatchSwd(real);
        var result = new List<QualityAtK>();
        manual_seed(12345);
        for (int k = 0; k < pyramid.Scales.Count; k++)
        {
            var prefix = pyramid.Scales.Take(k + 1).ToList();
            double ssim = EarlyExit.Ssim(prefix, real, CPU);
            var viewed = Enumerable.Range(0, samples).Select(_ =>
            {
                using var sample = PyramidSampler.Run(prefix, prefix.Select(s => s.Size).ToList(), NoiseMode.Random, CPU);
                return ImageResize.ToMatch(TorchImages.ToImage(sample), real);
            }).ToList();
            result.Add(new QualityAtK(k, ssim, viewed.Average(v => Ssim.Compute(v, real)), viewed.Average(swd.Distance)));
        }
        return result;
    }

    /// <summary>
    /// Seconds per iteration of every scale trained alone on one thread with SETGAN's conditioning, one scale at a time:
    /// the serial work, whose total over the finest scale's bounds what running scales side by side can gain.
    /// </summary>
    /// <param name="SideBySide">
    /// The finest scale's seconds per iteration when <c>cores</c> copies of it train at once, one thread each: what
    /// the lanes' sharing of the machine (memory bandwidth, caches, and whatever the host shares between these vCPUs)
    /// costs a lane.
    /// </param>
    public sealed record SerialWork(double[] PerIteration, double SideBySide)
    {
        /// <summary>Fraction of a lone thread's speed a lane keeps beside the others: caps pure parallelism below the core count.</summary>
        public double LaneEfficiency => PerIteration[^1] / SideBySide;
    }

    public static SerialWork MeasureSerialWork(RgbImage image, TrainingSettings settings, int iterations, int cores)
    {
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, settings.MaxSize);
        var reals = PyramidTrainer.RealPyramid(image, geometry).Select(r => TorchImages.ToTensor(r, CPU)).ToArray();
        try
        {
            var all = Enumerable.Range(0, geometry.ScaleCount).ToList();
            var seconds = IterationCostProbe.Measure(reals, geometry, all, settings, CPU, iterations);
            int finest = all[^1];
            var sideBySide = Enumerable.Range(0, cores)
                .Select(_ => Task.Factory.StartNew(() => IterationCostProbe.Measure(reals, geometry, [finest], settings, CPU, iterations)[finest], TaskCreationOptions.LongRunning))
                .ToArray();
            return new SerialWork(all.Select(n => seconds[n]).ToArray(), sideBySide.Average(t => t.Result));
        }
        finally
        {
            foreach (var r in reals) r.Dispose();
        }
    }

    private sealed class Timeline(Stopwatch clock) : ITrainingObserver
    {
        private readonly Dictionary<int, double> started = new();
        public List<ScaleSpan> Spans { get; } = [];

        public void ScaleStarted(int scale, ScaleSize size, int nfc, bool resumed)
        {
            lock (Spans) started[scale] = clock.Elapsed.TotalSeconds;
        }

        public void ScaleFinished(int scale, ScaleRecord record)
        {
            lock (Spans) Spans.Add(new ScaleSpan(scale, started[scale], clock.Elapsed.TotalSeconds, record.Iterations));
        }
    }
}
