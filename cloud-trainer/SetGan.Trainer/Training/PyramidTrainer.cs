using TorchSharp;
using System.Security.Cryptography;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using Serilog;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>Events a caller can show: a scale starting, each iteration, a scale saved.</summary>
public interface ITrainingObserver
{
    void ScaleStarted(int scale, ScaleSize size, int nfc, bool resumed) { }
    void Iteration(IterationReport report) { }
    void ScaleFinished(int scale, ScaleRecord record) { }
}

/// <summary>
/// SinGAN's train(): scales coarse to fine, each trained against the frozen generators below,
/// initialised from the previous scale's G and D when nfc is unchanged. Each finished scale is
/// checkpointed; a rerun continues at the first scale without a checkpoint.
/// </summary>
public sealed class PyramidTrainer(TrainingSettings settings, ILogger log)
{
    public static string Version => typeof(PyramidTrainer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public PyramidGeometry Geometry(RgbImage source) =>
        PyramidGeometry.ForImage(source.Width, source.Height, settings.MaxSize, settings.MinSize, settings.ScaleFactorInit);

    /// <summary>SinGAN's creat_reals_pyramid: resize to the finest size, then down to each scale.</summary>
    public static IReadOnlyList<RgbImage> RealPyramid(RgbImage source, PyramidGeometry geometry)
    {
        var real = geometry.Scale1 < 1 ? ImageResize.ByScale(source, geometry.Scale1) : source;
        var reals = new RgbImage[geometry.ScaleCount];
        for (int i = 0; i < reals.Length; i++)
        {
            double scale = Math.Pow(geometry.ScaleFactor, geometry.StopScale - i);
            reals[i] = i == geometry.StopScale ? real : ImageResize.ByScale(real, scale);
        }
        return reals;
    }

    public ModelRecord Describe(string sourcePath, byte[] sourceBytes, PyramidGeometry geometry) => new()
    {
        TrainerVersion = Version,
        SourceImage = Path.GetFileName(sourcePath),
        SourceSha256 = Convert.ToHexStringLower(SHA256.HashData(sourceBytes)),
        Preset = settings.Preset,
        Mode = settings.Mode.ToString().ToLowerInvariant(),
        SettingsFingerprint = settings.Fingerprint(),
        Iterations = settings.Iterations,
        Seed = settings.Seed,
        Compute = settings.Compute.Name(),
        ScaleFactor = geometry.ScaleFactor,
        Scale1 = geometry.Scale1,
        Sizes = geometry.Sizes.ToList(),
        Nfc = Enumerable.Range(0, geometry.ScaleCount).Select(n => NetworkWidth.Nfc(n, settings.NfcInit)).ToList(),
    };

    /// <summary>
    /// Trains every scale not yet in <paramref name="dir"/> in the configured mode; returns when all
    /// are saved, or when the early exit found enough. <paramref name="prefixReady"/> hears of each new
    /// usable truncation k (G_0..G_k all saved), in increasing order.
    /// </summary>
    public TrainingSummary Train(RgbImage source, ModelDirectory dir, ITrainingObserver? observer, CancellationToken cancel, Action<int>? prefixReady = null)
    {
        var device = TorchRuntime.Prepare(settings);
        var geometry = Geometry(source);
        var reals = RealPyramid(source, geometry);
        ImageFile.SavePng(reals[^1], Path.Combine(dir.Path, "real.png"));
        var summary = settings.Mode == TrainingMode.Sequential
            ? TrainSequential(reals, geometry, dir, device, observer, prefixReady, cancel)
            : new ParallelTrainer(settings, log).Train(reals, geometry, dir, device, observer, prefixReady, cancel);
        if (summary.EarlyExit is { } why)
        {
            var model = dir.ReadModel();
            int scales = summary.FinestScale + 1;
            dir.WriteModel(model with { Sizes = model.Sizes.Take(scales).ToList(), Nfc = model.Nfc.Take(scales).ToList(), EarlyExit = why });
            log.Information("Early exit: {Reason}", why);
        }
        return summary;
    }

    /// <summary>SinGAN's loop: coarse to fine, each scale fed by the frozen generators below.</summary>
    private TrainingSummary TrainSequential(IReadOnlyList<RgbImage> reals, PyramidGeometry geometry, ModelDirectory dir, Device device,
        ITrainingObserver? observer, Action<int>? prefixReady, CancellationToken cancel)
    {
        int first = dir.CompletedScales();
        if (first > 0) log.Information("Resuming at scale {Scale}: scales 0..{Last} are already trained", first, first - 1);
        var scales = first > 0 ? TrainedPyramid.Load(dir, device, first).Scales : new List<TrainedScale>();
        try
        {
            for (int n = first; n < geometry.ScaleCount; n++)
            {
                using var random = ScaleRun.Random(n, settings);
                var (G, D) = ScaleRun.Networks(n, settings, device, random, handOverFrom: dir);
                observer?.ScaleStarted(n, geometry.Sizes[n], NetworkWidth.Nfc(n, settings.NfcInit), resumed: first > 0 && n == first);
                using var real = TorchImages.ToTensor(reals[n], device);
                var job = ScaleJob.Sequential(n, real, scales, geometry.Sizes, settings, device, random);
                using (job.Below) scales.Add(ScaleRun.TrainAndSave(job, G, D, dir, observer, log, cancel));
                prefixReady?.Invoke(n);
                if (settings.SsimTarget is { } target && n < geometry.ScaleCount - 1)
                {
                    var (reached, reason) = EarlyExit.Check(n, EarlyExit.Ssim(scales, reals[^1], device), target, geometry.ScaleCount);
                    log.Information("Early exit check: {Reason}", reason);
                    if (reached) return new TrainingSummary(n, reason);
                }
            }
            return new TrainingSummary(geometry.ScaleCount - 1, null);
        }
        finally
        {
            foreach (var s in scales) s.Dispose();
        }
    }
}
