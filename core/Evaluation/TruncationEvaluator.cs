using System.Diagnostics;
using SetGan.Core.Energy;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Core.Quality;

namespace SetGan.Core.Evaluation;

/// <summary>Everything measured for one truncation, with the images it was measured on.</summary>
public sealed record TruncationResult(TruncationReport Report, RgbImage Reconstruction, IReadOnlyList<RgbImage> Samples);

/// <summary>
/// Measures every truncation k = 0..N of a package the way a viewer sees it: each output is
/// upsampled (bicubic) to the finest size and compared with the real image at that size. SSIM uses
/// the deterministic reconstruction (z_opt), as the paper's early exit compares F_k with X; SWD and
/// diversity use random samples, which SSIM would punish for being different.
/// </summary>
public sealed class TruncationEvaluator(PyramidPackage package, RgbImage source, int samples = 8, int seed = 1)
{
    /// <summary>The real image at the finest scale's size, resized as the trainer does.</summary>
    public RgbImage Real { get; } = ImageResize.ToSize(source, package.Sizes[^1].Width, package.Sizes[^1].Height);

    // The real image's patch projections are the same for every k: computed once.
    private PatchSwd? swd;

    public TruncationResult Evaluate(int k)
    {
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), "at least 2 samples are needed for diversity");
        RgbImage Viewed(RgbImage image) => ImageResize.ToMatch(image, Real);

        var reconstruction = Viewed(package.Reconstruct(k));
        package.Generate(k, seed: seed - 1); // warm-up: first-run allocations and ORT's lazy init stay out of the timings
        var images = new List<RgbImage>();
        var millis = new List<double>();
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var sample = package.Generate(k, seed: seed + i);
            millis.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            images.Add(Viewed(sample));
        }
        millis.Sort();
        swd ??= new PatchSwd(Real, seed: seed);
        var size = package.Sizes[k];
        var report = new TruncationReport
        {
            K = k,
            Size = size.ToString(),
            Ssim = Ssim.Compute(reconstruction, Real),
            SampleSsim = images.Average(s => Ssim.Compute(s, Real)),
            Swd = images.Average(swd.Distance),
            Diversity = SampleDiversity.Compute(images, Real),
            ModelBytes = package.Manifest.Scales.Take(k + 1).Sum(s => s.Bytes),
            Gflop = package.Flops(k) / 1e9,
            InferenceMs = millis[millis.Count / 2],
            InferenceMsMin = millis[0],
            InferenceMsMax = millis[^1],
        };
        return new TruncationResult(report, reconstruction, images);
    }

    /// <summary>Energy per k for one device, with the EDP normalised to the full pyramid.</summary>
    public static DeviceEnergyReport EnergyReport(string device, double idleWatts, IReadOnlyList<TruncationEnergy> energies)
    {
        double full = energies[^1].Edp;
        return new DeviceEnergyReport
        {
            Device = device,
            IdleWatts = idleWatts,
            Source = energies.All(e => e.Source == EnergySource.Measured) ? "measured" : "estimated",
            Truncations = energies.Select(e => new DeviceTruncationEnergy
            {
                K = e.K, JoulesPerImage = e.JoulesPerImage, SecondsPerImage = e.SecondsPerImage, AverageWatts = e.AverageWatts, EdpNormalised = e.Edp / full,
            }).ToList(),
        };
    }

    /// <summary>The policy's view of a report: energy of one device and quality per k.</summary>
    public static IReadOnlyList<TruncationOption> Options(EvaluationReport report, DeviceEnergyReport device)
    {
        var source = device.Source == "measured" ? EnergySource.Measured : EnergySource.Estimated;
        return report.Truncations.Zip(device.Truncations, (t, e) =>
            new TruncationOption(new TruncationEnergy(t.K, e.JoulesPerImage, e.SecondsPerImage, source), t.Ssim, t.Swd)).ToList();
    }
}
