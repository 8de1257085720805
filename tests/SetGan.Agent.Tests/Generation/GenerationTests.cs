using SetGan.Agent.Generation;
using SetGan.Agent.Power;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;

namespace SetGan.Agent.Tests.Generation;

public sealed class GenerationTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-generate-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_wait_brings_the_average_power_down_to_the_budget()
    {
        // 6 J in 1 s at 3 W idle under a 4 W budget: (6 + 3 w) / (1 + w) = 4  =>  w = 2 s.
        var wait = DutyCycle.WaitFor(6, TimeSpan.FromSeconds(1), idleWatts: 3, budgetWatts: 4);
        wait.TotalSeconds.ShouldBe(2, 1e-9);
        ((6 + 3 * wait.TotalSeconds) / (1 + wait.TotalSeconds)).ShouldBe(4, 1e-9);
    }

    [Fact]
    public void An_image_already_within_the_budget_needs_no_wait_and_a_budget_below_idle_is_an_error()
    {
        DutyCycle.WaitFor(3, TimeSpan.FromSeconds(1), 2, 5).ShouldBe(TimeSpan.Zero);
        Should.Throw<ArgumentOutOfRangeException>(() => DutyCycle.WaitFor(3, TimeSpan.FromSeconds(1), 2.7, 2.5)).Message.ShouldContain("not above the board's idle power");
    }

    [Fact]
    public async Task The_loop_writes_images_and_takes_a_new_k_at_run_time_without_restarting()
    {
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new Steady(), 200, Serilog.Core.Logger.None);
        sampler.Start();
        var loop = new GenerationLoop(package, sampler, Path.Combine(dir, "images"), new GenerationSettings(K: 1, ImagesPerMinute: 0, BudgetWatts: null), idleWatts: 2, Serilog.Core.Logger.None);
        var made = new List<GeneratedImage>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        loop.Generated += image =>
        {
            lock (made) made.Add(image);
            if (made.Count == 3) loop.Update(loop.Settings with { K = 3 });
            if (made.Count == 6) stop.Cancel();
        };

        await loop.RunAsync(stop.Token);

        made.Select(m => m.K).ShouldBe([1, 1, 1, 3, 3, 3]);
        made.Select(m => m.Seed).ShouldBe([0, 1, 2, 3, 4, 5]);
        var last = ImageFile.Load(made[^1].Path);
        (last.Width, last.Height).ShouldBe((package.Sizes[3].Width, package.Sizes[3].Height));
        made.ShouldAllBe(m => File.Exists(m.Path));
    }

    [Fact]
    public async Task The_same_settings_again_do_not_wake_the_loop_for_an_image_off_the_schedule()
    {
        // One image a minute: after the first, the loop waits. Applying the same settings (as a reconnect
        // re-applying the twin does) must leave it waiting; a real change wakes it at once.
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new Steady(), 100, Serilog.Core.Logger.None);
        sampler.Start();
        var loop = new GenerationLoop(package, sampler, Path.Combine(dir, "images"), new GenerationSettings(K: 1, ImagesPerMinute: 1, BudgetWatts: null), idleWatts: 2, Serilog.Core.Logger.None);
        var made = new List<GeneratedImage>();
        var waiting = new SemaphoreSlim(0);
        loop.Generated += image => { lock (made) made.Add(image); };
        loop.Idling += (_, _) => waiting.Release();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = loop.RunAsync(stop.Token);

        (await waiting.WaitAsync(TimeSpan.FromSeconds(30), stop.Token)).ShouldBeTrue();
        for (int i = 0; i < 3; i++) loop.Update(new GenerationSettings(K: 1, ImagesPerMinute: 1, BudgetWatts: null));
        await Task.Delay(500, stop.Token);
        lock (made) made.Count.ShouldBe(1);

        loop.Update(loop.Settings with { K = 2 });
        (await waiting.WaitAsync(TimeSpan.FromSeconds(30), stop.Token)).ShouldBeTrue();
        stop.Cancel();
        await running;
        made.Select(m => m.K).ShouldBe([1, 2]);
    }

    [Fact]
    public void Settings_outside_the_package_are_refused_and_the_old_ones_stay()
    {
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new Steady(), 10, Serilog.Core.Logger.None);
        var loop = new GenerationLoop(package, sampler, dir, new GenerationSettings(2, 6, 3.5), 2, Serilog.Core.Logger.None);

        Should.Throw<ArgumentOutOfRangeException>(() => loop.Update(new GenerationSettings(9, 6, 3.5))).Message.ShouldContain("k = 9 is outside");
        Should.Throw<ArgumentOutOfRangeException>(() => loop.Update(new GenerationSettings(1, -1, null)));
        loop.Settings.ShouldBe(new GenerationSettings(2, 6, 3.5));
    }

    [Fact]
    public async Task Under_a_power_budget_the_loop_idles_as_long_as_the_duty_cycle_needs()
    {
        // The board draws 5 W while it works and idles at 2 W; a 2.5 W budget needs, after an image
        // of t seconds, a wait w with (5 t + 2 w) / (t + w) = 2.5, so w = 5 t for every image.
        var (path, _, publicKey) = TestPackages.WriteSigned(dir);
        using var package = PyramidPackage.Load(path, publicKey);
        using var sampler = new PowerSampler(new Steady(watts: 5), 1000, Serilog.Core.Logger.None);
        sampler.Start();
        var loop = new GenerationLoop(package, sampler, Path.Combine(dir, "images"), new GenerationSettings(3, 0, BudgetWatts: 2.5), idleWatts: 2, Serilog.Core.Logger.None);
        var waits = new List<(TimeSpan Wait, GeneratedImage Image)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        loop.Idling += (wait, image) =>
        {
            lock (waits) waits.Add((wait, image));
            if (waits.Count == 4) stop.Cancel();
        };

        await loop.RunAsync(stop.Token);

        waits.Count.ShouldBe(4);
        foreach (var (wait, image) in waits)
            wait.TotalSeconds.ShouldBe(5 * image.Seconds, 1e-3 + 1e-6 * image.Seconds);
    }

    private sealed class Steady(double watts = 3) : IPowerSensor
    {
        public string Name => "steady";
        public bool IsEstimate => false;
        public double MaxRate => 1000;
        public PowerSample? Read(DateTimeOffset now) => new(now, 5, watts / 5, watts, Name);
        public void Dispose() { }
    }
}
