using SetGan.Core.Evaluation;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;
using SetGan.Core.Tests.Packaging;

namespace SetGan.Core.Tests.Evaluation;

public sealed class TruncationEvaluatorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-eval-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Every_truncation_is_measured_at_the_finest_size_with_growing_cost()
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        using var pyramid = PyramidPackage.Load(package, publicKey);
        var evaluator = new TruncationEvaluator(pyramid, ImageFile.Load(RepoPaths.Balloons), samples: 3);

        var results = Enumerable.Range(0, pyramid.FinestScale + 1).Select(evaluator.Evaluate).ToList();

        var finest = pyramid.Sizes[^1];
        (evaluator.Real.Width, evaluator.Real.Height).ShouldBe((finest.Width, finest.Height));
        results.ShouldAllBe(r => r.Samples.Count == 3 && r.Reconstruction.Width == finest.Width && r.Reconstruction.Height == finest.Height);
        results.ShouldAllBe(r => r.Report.Ssim > -1 && r.Report.Ssim < 1 && r.Report.Swd > 0 && r.Report.Diversity > 0);
        results.ShouldAllBe(r => r.Report.InferenceMsMin <= r.Report.InferenceMs && r.Report.InferenceMs <= r.Report.InferenceMsMax);
        for (int k = 1; k < results.Count; k++)
        {
            results[k].Report.ModelBytes.ShouldBeGreaterThan(results[k - 1].Report.ModelBytes);
            results[k].Report.Gflop.ShouldBeGreaterThan(results[k - 1].Report.Gflop);
        }
        results[^1].Report.Gflop.ShouldBe(GeneratorFlops.Truncation(pyramid.Manifest.Scales.Select(s => (new ScaleSize(s.Width, s.Height), 8))) / 1e9, 1e-12);
    }

    [Fact]
    public void Results_are_reproducible_with_a_seed()
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        using var pyramid = PyramidPackage.Load(package, publicKey);
        var real = ImageFile.Load(RepoPaths.Balloons);
        var a = new TruncationEvaluator(pyramid, real, samples: 2, seed: 5).Evaluate(1).Report;
        var b = new TruncationEvaluator(pyramid, real, samples: 2, seed: 5).Evaluate(1).Report;
        (a.Ssim, a.SampleSsim, a.Swd, a.Diversity).ShouldBe((b.Ssim, b.SampleSsim, b.Swd, b.Diversity));
    }

    [Fact]
    public void Quality_stored_in_the_manifest_is_signed_again_and_loads()
    {
        var (package, privateKey, publicKey) = TestPackages.WriteSigned(dir);
        List<TruncationQuality> quality;
        using (var pyramid = PyramidPackage.Load(package, publicKey))
        {
            quality = Enumerable.Range(0, pyramid.FinestScale + 1).Select(k => new TruncationQuality { K = k, Ssim = 0.5 + k * 0.1, Swd = 0.1, Diversity = 0.3 }).ToList();
            PackageWriter.StoreQuality(pyramid, quality, privateKey, publicKey);
        }

        using var reloaded = PyramidPackage.Load(package, publicKey);
        reloaded.Manifest.Quality.ShouldBe(quality);
    }

    [Fact]
    public void Quality_is_not_stored_with_a_key_the_devices_would_refuse()
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        var (otherPrivate, _) = PackageSigning.NewKeyPair(Path.Combine(dir, "other"));
        byte[] before = File.ReadAllBytes(Path.Combine(package, PackageWriter.ManifestFile));
        using var pyramid = PyramidPackage.Load(package, publicKey);
        var quality = Enumerable.Range(0, pyramid.FinestScale + 1).Select(k => new TruncationQuality { K = k, Ssim = 0.5 }).ToList();

        Should.Throw<PackageException>(() => PackageWriter.StoreQuality(pyramid, quality, File.ReadAllText(otherPrivate), publicKey))
            .Message.ShouldContain("does not belong");
        File.ReadAllBytes(Path.Combine(package, PackageWriter.ManifestFile)).ShouldBe(before);
    }

    [Fact]
    public void The_models_hash_ignores_quality_but_not_the_generators()
    {
        var (package, privateKey, publicKey) = TestPackages.WriteSigned(dir);
        string models;
        using (var pyramid = PyramidPackage.Load(package, publicKey))
        {
            models = pyramid.Manifest.ModelsSha256();
            PackageWriter.StoreQuality(pyramid, Enumerable.Range(0, pyramid.FinestScale + 1).Select(k => new TruncationQuality { K = k, Ssim = 0.5 }).ToList(), privateKey, publicKey);
        }
        using (var reloaded = PyramidPackage.Load(package, publicKey)) reloaded.Manifest.ModelsSha256().ShouldBe(models);
        using var other = PyramidPackage.Load(TestPackages.Write(Path.Combine(dir, "other"), privateKey, seed: 2), publicKey);
        other.Manifest.ModelsSha256().ShouldNotBe(models);
    }
}
