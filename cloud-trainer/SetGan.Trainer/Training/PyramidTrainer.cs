using TorchSharp;
using System.Security.Cryptography;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using Serilog;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

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
        ScaleFactor = geometry.ScaleFactor,
        Scale1 = geometry.Scale1,
        Sizes = geometry.Sizes.ToList(),
        Nfc = Enumerable.Range(0, geometry.ScaleCount).Select(n => NetworkWidth.Nfc(n, settings.NfcInit)).ToList(),
    };

    /// <summary>Trains every scale not yet in <paramref name="dir"/>; returns when all are saved.</summary>
    public void Train(RgbImage source, ModelDirectory dir, ITrainingObserver? observer, CancellationToken cancel)
    {
        var device = TorchRuntime.Prepare(settings);
        var geometry = Geometry(source);
        var reals = RealPyramid(source, geometry);
        ImageFile.SavePng(reals[^1], Path.Combine(dir.Path, "real.png"));
        int first = dir.CompletedScales();
        if (first > 0) log.Information("Resuming at scale {Scale}: scales 0..{Last} are already trained", first, first - 1);

        var scales = first > 0 ? TrainedPyramid.Load(dir, device, first).Scales : new List<TrainedScale>();
        try
        {
            for (int n = first; n < geometry.ScaleCount; n++)
                TrainScale(n, geometry, reals, scales, dir, device, observer, first, cancel);
        }
        finally
        {
            foreach (var s in scales) s.Dispose();
        }
    }

    private void TrainScale(int n, PyramidGeometry geometry, IReadOnlyList<RgbImage> reals, List<TrainedScale> scales,
        ModelDirectory dir, Device device, ITrainingObserver? observer, int first, CancellationToken cancel)
    {
        int nfc = NetworkWidth.Nfc(n, settings.NfcInit);
        // Seeded per scale, so a resumed run draws the same numbers as an uninterrupted one.
        manual_seed(settings.Seed + n);
        var G = new Generator(nfc);
        var D = new Discriminator(nfc);
        if (n > 0 && NetworkWidth.Nfc(n - 1, settings.NfcInit) == nfc)
            dir.LoadWeights(n - 1, G, D); // SinGAN hands the weights over when the width is unchanged
        G.to(device);
        D.to(device);
        observer?.ScaleStarted(n, geometry.Sizes[n], nfc, resumed: first > 0 && n == first);
        log.Information("Scale {Scale}: {Width}x{Height}, nfc {Nfc}, {Iterations} iterations", n, geometry.Sizes[n].Width, geometry.Sizes[n].Height, nfc, settings.Iterations);

        using var real = TorchImages.ToTensor(reals[n], device);
        var job = new ScaleJob(n, real, scales, geometry.Sizes, settings, device);
        var outcome = ScaleTrainer.Train(job, G, D, observer is null ? null : observer.Iteration, cancel);

        var record = new ScaleRecord
        {
            Scale = n, Width = geometry.Sizes[n].Width, Height = geometry.Sizes[n].Height, Nfc = nfc,
            NoiseAmp = outcome.NoiseAmp,
            ZOpt = n == 0 ? outcome.ZOpt[0, 0].cpu().data<float>().ToArray() : null,
            Iterations = outcome.Last.Iteration, Seconds = outcome.Last.Elapsed.TotalSeconds,
            ErrD = outcome.Last.ErrD, ErrG = outcome.Last.ErrG, RecLoss = outcome.Last.RecLoss,
        };
        dir.SaveScale(record, G, D);
        D.Dispose();
        TrainedPyramid.Freeze(G);
        scales.Add(new TrainedScale(n, geometry.Sizes[n], nfc, G, outcome.NoiseAmp, outcome.ZOpt));
        observer?.ScaleFinished(n, record);
        log.Information("Scale {Scale} done in {Seconds:F1} s: errD {ErrD:F4}, errG {ErrG:F4}, rec {RecLoss:F4}, noise_amp {NoiseAmp:F4}",
            n, record.Seconds, record.ErrD, record.ErrG, record.RecLoss, record.NoiseAmp);
    }
}
