using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Training;

/// <summary>One scale from fresh networks to a saved checkpoint: the same in every mode.</summary>
public static class ScaleRun
{
    /// <summary>
    /// Scale n's own random stream (seed + n): it draws the initial weights and then every noise map
    /// of the scale's training, so the result does not depend on what other scales or threads draw.
    /// </summary>
    public static torch.Generator Random(int n, TrainingSettings settings) => new((ulong)(settings.Seed + n));

    /// <summary>G_n and D_n, initialised from <paramref name="random"/> (the same in every mode and on resume).</summary>
    public static (Generator G, Discriminator D) Networks(int n, TrainingSettings settings, Device device, torch.Generator random, ModelDirectory? handOverFrom = null)
    {
        int nfc = NetworkWidth.Nfc(n, settings.NfcInit);
        var G = new Generator(nfc, random);
        var D = new Discriminator(nfc, random);
        if (handOverFrom is not null && TakesWeightsFromBelow(n, settings))
            handOverFrom.LoadWeights(n - 1, G, D);
        G.to(device);
        D.to(device);
        G.Net.Compute = D.Net.Compute = settings.Compute.LayerType();
        return (G, D);
    }

    /// <summary>SinGAN starts G_n and D_n from scale n-1's trained weights when the width is unchanged.</summary>
    public static bool TakesWeightsFromBelow(int n, TrainingSettings settings) =>
        n > 0 && NetworkWidth.Nfc(n - 1, settings.NfcInit) == NetworkWidth.Nfc(n, settings.NfcInit);

    /// <summary>Trains the job, saves scale-NN, and returns the frozen generator for sampling and the scales above.</summary>
    public static TrainedScale TrainAndSave(ScaleJob job, Generator G, Discriminator D, ModelDirectory dir, ITrainingObserver? observer, ILogger log, CancellationToken cancel)
    {
        int n = job.Scale, nfc = NetworkWidth.Nfc(n, job.Settings.NfcInit);
        log.Information("Scale {Scale}: {Width}x{Height}, nfc {Nfc}, up to {Iterations} iterations", n, job.Size.Width, job.Size.Height, nfc, job.Settings.Iterations);
        var outcome = ScaleTrainer.Train(job, G, D, observer is null ? null : observer.Iteration, cancel);
        var record = new ScaleRecord
        {
            Scale = n, Width = job.Size.Width, Height = job.Size.Height, Nfc = nfc,
            NoiseAmp = outcome.NoiseAmp,
            ZOpt = n == 0 ? outcome.ZOpt[0, 0].cpu().data<float>().ToArray() : null,
            Iterations = outcome.Last.Iteration, Seconds = outcome.Last.Elapsed.TotalSeconds,
            ErrD = outcome.Last.ErrD, ErrG = outcome.Last.ErrG, RecLoss = outcome.Last.RecLoss,
            EarlyStop = outcome.EarlyStop,
            HandedOverAt = outcome.HandedOverAt,
        };
        dir.SaveScale(record, G, D);
        D.Dispose();
        TrainedPyramid.Freeze(G);
        MixedPrecisionGuard.WarnIfRedone(log, n, outcome.RedoneInFloat32, "steps");
        if (outcome.HandedOverAt is > 0 and var at)
            log.Information("Scale {Scale} trained {Iterations} iterations on the real image below, then {Chain} on samples of G_0..G_{Below}",
                n, at, record.Iterations - at, n - 1);
        if (outcome.EarlyStop is { } why) log.Information("Scale {Scale} stopped early after {Iterations} iterations: {Reason}", n, record.Iterations, why);
        log.Information("Scale {Scale} done in {Seconds:F1} s: errD {ErrD:F4}, errG {ErrG:F4}, rec {RecLoss:F4}, noise_amp {NoiseAmp:F4}",
            n, record.Seconds, record.ErrD, record.ErrG, record.RecLoss, record.NoiseAmp);
        observer?.ScaleFinished(n, record);
        return new TrainedScale(n, job.Size, nfc, G, outcome.NoiseAmp, outcome.ZOpt);
    }
}
