using Serilog;
using SetGan.Agent.Power;
using SetGan.Core.Energy;
using SetGan.Core.Packaging;

namespace SetGan.Agent.Profiling;

/// <summary>How long to measure: batches per k (for the spread), each long enough for the sensor to see it.</summary>
public sealed record ProfilerSettings(int Batches = 5, double MinBatchSeconds = 1.0, int MinImagesPerBatch = 2, double IdleSeconds = 3.0, double MaxGapShare = 0.1);

/// <summary>
/// Measures what each truncation k costs on this board: idle power first, then for every k several
/// batches of images back to back, each batch's energy integrated from the power samples. Images
/// are often faster than a sensor's sampling period, so energy is taken per batch and divided by
/// its images; the spread is over batches. A batch with too much of its time in sensor gaps is
/// measured again (up to three windows in all), then the profile fails with the reason: it is never filled in.
/// </summary>
public sealed class EnergyProfiler(PowerSampler sampler, ILogger log, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public EnergyProfile Profile(PyramidPackage package, string device, ProfilerSettings settings, CancellationToken cancel, Action<int>? progress = null)
    {
        var idle = Measured("idle", settings, () =>
        {
            var from = clock.GetUtcNow();
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.IdleSeconds));
            cancel.ThrowIfCancellationRequested();
            var energy = sampler.Energy(from, clock.GetUtcNow());
            return (energy, energy);
        });
        log.Information("Idle power {Watts:F3} W over {Seconds:F1} s", idle.AverageWatts, idle.Covered.TotalSeconds);

        var truncations = new List<MeasuredTruncation>();
        for (int k = 0; k <= package.FinestScale; k++)
        {
            package.Generate(k, seed: -1); // warm-up: first-run allocations stay out of the figures
            var joules = new List<double>();
            var seconds = new List<double>();
            int images = 0;
            for (int b = 0; b < settings.Batches; b++)
            {
                var (j, s, n) = Batch(package, k, settings, cancel);
                joules.Add(j);
                seconds.Add(s);
                images += n;
            }
            var measured = new MeasuredTruncation
            {
                K = k, Images = images,
                JoulesPerImage = joules.Average(), JoulesStd = Std(joules),
                SecondsPerImage = seconds.Average(), SecondsStd = Std(seconds),
                AverageWatts = joules.Average() / seconds.Average(),
            };
            truncations.Add(measured);
            log.Information("k = {K}: {Joules:G4} J ± {JoulesStd:G2} and {Seconds:G4} s per image ({Watts:F2} W) over {Images} images",
                k, measured.JoulesPerImage, measured.JoulesStd, measured.SecondsPerImage, measured.AverageWatts, images);
            progress?.Invoke(k);
        }
        return new EnergyProfile
        {
            Format = EnergyProfile.CurrentFormat, Device = device, Sensor = sampler.Sensor.Name, Estimated = sampler.Sensor.IsEstimate,
            ModelsSha256 = package.Manifest.ModelsSha256(), MeasuredAt = clock.GetUtcNow(), IdleWatts = idle.AverageWatts, Truncations = truncations,
        };
    }

    private (double JoulesPerImage, double SecondsPerImage, int Images) Batch(PyramidPackage package, int k, ProfilerSettings settings, CancellationToken cancel) =>
        Measured($"k = {k}", settings, () =>
        {
            var from = clock.GetUtcNow();
            int images = 0;
            while ((clock.GetUtcNow() - from).TotalSeconds < settings.MinBatchSeconds || images < settings.MinImagesPerBatch)
            {
                cancel.ThrowIfCancellationRequested();
                package.Generate(k, seed: images);
                images++;
            }
            var to = clock.GetUtcNow();
            var energy = sampler.Energy(from, to);
            return (energy, (energy.AverageWatts * (to - from).TotalSeconds / images, (to - from).TotalSeconds / images, images));
        });

    /// <summary>Windows measured before a gappy one is blamed on the sensor.</summary>
    public const int Attempts = 3;

    /// <summary>
    /// A window that fell too much in sensor gaps is measured again, up to <see cref="Attempts"/> windows: on a busy
    /// board the sensing thread can starve for a moment (a fleet test's idle window of 0.3 s lost 23 % to one hiccup,
    /// and with two agents and the service on 2 cores, a k = 2 window lost 17 % and then 42 %). A sensor that is
    /// really gone loses every window.
    /// </summary>
    private T Measured<T>(string what, ProfilerSettings settings, Func<(EnergyReading Energy, T Result)> measure)
    {
        for (int attempt = 1; ; attempt++)
        {
            var (energy, result) = measure();
            if (GapShare(energy) <= settings.MaxGapShare && energy.Samples >= 2) return result;
            if (attempt == Attempts) throw Unusable(energy, settings, what);
            log.Warning("{What}: {Share:P0} of the window fell in sensor gaps; measuring it again", what, GapShare(energy));
        }
    }

    private static double GapShare(EnergyReading e) => e.Gaps.TotalSeconds / Math.Max(1e-9, (e.Gaps + e.Covered).TotalSeconds);

    private static PowerSensorException Unusable(EnergyReading e, ProfilerSettings settings, string what) =>
        new($"cannot profile {what}: the power sensor gave {e.Samples} readings and {GapShare(e):P0} of the time was a gap (at most {settings.MaxGapShare:P0} allowed); check the sensor");

    private static double Std(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
