using SetGan.Agent.Power;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent.Generation;

/// <summary>What the loop does now: run G_0..G_K, at most this many images a minute (0 = as fast as the budget allows), within an average power.</summary>
public sealed record GenerationSettings(int K, double ImagesPerMinute, double? BudgetWatts);

/// <summary>One generated image: where it is, what made it, and what it cost.</summary>
public sealed record GeneratedImage(string Path, int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules, bool EnergyEstimated);

/// <summary>
/// The device's work: generate images with the package truncated at k on a schedule, idle as long
/// as the average-power budget needs (<see cref="DutyCycle"/>), write each image, and hand it on.
/// k, schedule and budget change at run time through <see cref="Update"/>, taking effect at the next image.
/// </summary>
/// <param name="idleWatts">The board's idle power for the duty cycle: measured by the profiler, or the profile's figure.</param>
/// <param name="gate">Exclusive use of the pyramid, held for each image: the profiler and a package swap take it to keep images out of their way.</param>
public sealed class GenerationLoop(PyramidPackage package, PowerSampler sampler, string imageFolder, GenerationSettings initial, double idleWatts, ILogger log,
    TimeProvider? time = null, SemaphoreSlim? gate = null)
{
    private readonly SemaphoreSlim cpu = gate ?? new SemaphoreSlim(1, 1);
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private GenerationSettings settings = Check(initial, package);
    private readonly SemaphoreSlim changed = new(0);
    private int seed;

    public GenerationSettings Settings => Volatile.Read(ref settings);

    /// <summary>Raised after each image is written (the outbox and the cloud link listen).</summary>
    public event Action<GeneratedImage>? Generated;

    /// <summary>Raised before the loop idles: how long, and the image (with its energy) that made it wait.</summary>
    public event Action<TimeSpan, GeneratedImage>? Idling;

    /// <summary>
    /// New settings, checked now and used from the next image; wakes the loop from a wait. The same
    /// settings again change nothing and wake nothing: the link re-applies the twin on every reconnect,
    /// and each wake is an image off the schedule, energy the budget did not plan for.
    /// </summary>
    public void Update(GenerationSettings next)
    {
        if (Check(next, package) == Settings) return;
        Volatile.Write(ref settings, next);
        log.Information("Generation settings now k = {K}, {Rate} images per minute, budget {Budget}", next.K, next.ImagesPerMinute, next.BudgetWatts is { } w ? $"{w:G3} W" : "none");
        changed.Release();
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        Directory.CreateDirectory(imageFolder);
        while (!stopping.IsCancellationRequested)
        {
            var s = Settings;
            GeneratedImage made;
            try { made = await GenerateAsync(s.K, stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            var (from, to) = (made.Time, made.Time.AddSeconds(made.Seconds));

            var wait = TimeSpan.Zero;
            if (s.ImagesPerMinute > 0) wait = TimeSpan.FromMinutes(1 / s.ImagesPerMinute) - (to - from);
            if (s.BudgetWatts is { } budget)
            {
                // Too short an image for the sensor to see: count it at the power of the last second.
                double joules = made.Joules ?? sampler.Energy(to.AddSeconds(-1), to).AverageWatts * made.Seconds;
                var budgetWait = DutyCycle.WaitFor(double.IsFinite(joules) ? joules : 0, to - from, idleWatts, budget);
                if (budgetWait > wait) wait = budgetWait;
            }
            if (wait > TimeSpan.Zero)
            {
                Idling?.Invoke(wait, made);
                await WaitOrWake(wait, stopping);
            }
        }
    }

    /// <summary>
    /// One image at truncation k, now: generated under the gate, written, and handed to <see cref="Generated"/>.
    /// The schedule uses it, and so does a `generate` request from the cloud.
    /// </summary>
    public async Task<GeneratedImage> GenerateAsync(int k, CancellationToken stopping)
    {
        Check(Settings with { K = k }, package);
        Directory.CreateDirectory(imageFolder);
        await cpu.WaitAsync(stopping);
        try
        {
            stopping.ThrowIfCancellationRequested(); // a package swap cancels before it releases the gate: never touch a replaced package
            int thisSeed = seed++;
            var from = clock.GetUtcNow();
            var image = package.Generate(k, seed: thisSeed);
            var to = clock.GetUtcNow();
            var energy = sampler.Energy(from, to);
            bool measured = energy.Samples >= 2;
            var made = new GeneratedImage(Path.Combine(imageFolder, $"{from:yyyyMMdd-HHmmss-fff}-k{k}-{thisSeed}.png"), k, thisSeed, from, (to - from).TotalSeconds,
                measured ? energy.AverageWatts * (to - from).TotalSeconds : null, energy.Estimated);
            ImageFile.SavePng(image, made.Path);
            Generated?.Invoke(made);
            return made;
        }
        finally { cpu.Release(); }
    }

    /// <summary>Sleeps for <paramref name="wait"/>, or until <see cref="Update"/> or the stop wakes it.</summary>
    private async Task WaitOrWake(TimeSpan wait, CancellationToken stopping)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var delay = Task.Delay(wait, clock, done.Token);
        var woken = changed.WaitAsync(done.Token);
        await Task.WhenAny(delay, woken);
        done.Cancel();
        try { await Task.WhenAll(delay, woken); }
        catch (OperationCanceledException) { }
    }

    private static GenerationSettings Check(GenerationSettings s, PyramidPackage package)
    {
        if (s.K < 0 || s.K > package.FinestScale) throw new ArgumentOutOfRangeException(nameof(s), $"k = {s.K} is outside this package's truncations 0..{package.FinestScale}");
        if (!(s.ImagesPerMinute >= 0) || double.IsInfinity(s.ImagesPerMinute)) throw new ArgumentOutOfRangeException(nameof(s), $"images per minute {s.ImagesPerMinute} must be 0 (continuous) or positive");
        if (s.BudgetWatts is { } w && !(w > 0)) throw new ArgumentOutOfRangeException(nameof(s), $"a budget of {w} W must be positive");
        return s;
    }
}
