using SetGan.Agent.Power;
using SetGan.Agent.Profiling;
using SetGan.Core.Energy;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;

namespace SetGan.Agent.Tests.Profiling;

public sealed class EnergyProfilerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-profiler-").FullName;
    private static readonly ProfilerSettings Fast = new(Batches: 2, MinBatchSeconds: 0.1, MinImagesPerBatch: 2, IdleSeconds: 0.1);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Every_truncation_gets_joules_and_seconds_per_image_from_the_integrated_power()
    {
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new ConstantSensor(3.0), 500, Serilog.Core.Logger.None);
        sampler.Start();

        var profile = new EnergyProfiler(sampler, Serilog.Core.Logger.None).Profile(package, "pi-test", Fast, TestContext.Current.CancellationToken);

        profile.Truncations.Select(t => t.K).ShouldBe(Enumerable.Range(0, package.FinestScale + 1));
        profile.IdleWatts.ShouldBe(3.0, 1e-9);
        profile.Estimated.ShouldBeFalse();
        profile.ModelsSha256.ShouldBe(package.Manifest.ModelsSha256());
        foreach (var t in profile.Truncations)
        {
            t.Images.ShouldBeGreaterThanOrEqualTo(4);
            t.AverageWatts.ShouldBe(3.0, 1e-6);                       // a 3 W board spends 3 J per second of work
            t.JoulesPerImage.ShouldBe(3.0 * t.SecondsPerImage, 1e-6);
        }
        // The cloud reads it back as measured energy for this package.
        var energy = TruncationEnergy.FromMeasured(profile, package.Manifest.ModelsSha256(), package.FinestScale + 1);
        energy.ShouldAllBe(e => e.Source == EnergySource.Measured);
    }

    [Fact]
    public void A_sensor_that_stops_answering_fails_the_profile_with_the_reason()
    {
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new ConstantSensor(3.0) { Dead = true }, 500, Serilog.Core.Logger.None);
        sampler.Start();

        Should.Throw<PowerSensorException>(() => new EnergyProfiler(sampler, Serilog.Core.Logger.None).Profile(package, "pi-test", Fast, TestContext.Current.CancellationToken))
            .Message.ShouldContain("cannot profile idle");
    }

    /// <summary>Profiles with a sensor that gives no readings for its first <paramref name="seconds"/>, as a starved sensing thread on a busy board does.</summary>
    private (EnergyProfile Profile, int Truncations) ProfileWithSensorSilentFor(double seconds)
    {
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new ConstantSensor(3.0) { DeadUntil = DateTimeOffset.UtcNow.AddSeconds(seconds) }, 500, Serilog.Core.Logger.None);
        sampler.Start();
        return (new EnergyProfiler(sampler, Serilog.Core.Logger.None).Profile(package, "pi-test", Fast, TestContext.Current.CancellationToken), package.FinestScale + 1);
    }

    [Fact]
    public void A_window_lost_to_a_sensor_hiccup_is_measured_again()
    {
        // Silent for most of the first 0.1 s idle window.
        var (profile, truncations) = ProfileWithSensorSilentFor(0.08);

        profile.IdleWatts.ShouldBe(3.0, 1e-9);
        profile.Truncations.Count.ShouldBe(truncations);
    }

    [Fact]
    public void Two_windows_lost_in_a_row_are_still_measured_a_third_time()
    {
        // Silent through the whole first 0.1 s idle window and most of the second.
        var (profile, _) = ProfileWithSensorSilentFor(0.18);

        profile.IdleWatts.ShouldBe(3.0, 1e-9);
    }

    private sealed class ConstantSensor(double watts) : IPowerSensor
    {
        public bool Dead { get; init; }
        public DateTimeOffset DeadUntil { get; init; }
        public string Name => "constant";
        public bool IsEstimate => false;
        public double MaxRate => 1000;
        public PowerSample? Read(DateTimeOffset now) => Dead || now < DeadUntil ? throw new PowerSensorException("constant: no answer") : new PowerSample(now, 5, watts / 5, watts, Name);
        public void Dispose() { }
    }
}
