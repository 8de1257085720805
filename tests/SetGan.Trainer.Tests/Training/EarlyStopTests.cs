using SetGan.Trainer.Training;

namespace SetGan.Trainer.Tests.Training;

public class EarlyStopTests
{
    private static readonly EarlyStopSettings Settings = new(MinIterations: 40, Window: 20, Tolerance: 0.02);

    /// <summary>Feeds a constructed loss curve; returns the iteration of each action taken.</summary>
    private static (int? Stepped, int? Stopped, string? Reason) Run(Func<int, double> curve, int max = 500)
    {
        var stop = new EarlyStop(Settings, max);
        int? stepped = null;
        for (int i = 1; i <= max; i++)
        {
            var action = stop.Observe(i, curve(i));
            if (action == EarlyStopAction.StepLearningRate) stepped = i;
            if (action == EarlyStopAction.Stop) return (stepped, i, stop.StopReason);
        }
        return (stepped, null, stop.StopReason);
    }

    [Theory]
    [InlineData(100, 40)]
    [InlineData(400, 100)]
    [InlineData(2000, 500)]
    public void By_default_a_scale_trains_a_quarter_of_its_iterations_and_at_least_40_before_it_may_stop(int iterations, int minimum)
    {
        EarlyStopSettings.For(iterations).MinIterations.ShouldBe(minimum);

        // A flat curve: the plateau is there from the start, so the minimum is what holds the step back.
        var stop = new EarlyStop(EarlyStopSettings.For(iterations), iterations);
        int stepped = Enumerable.Range(1, iterations).First(i => stop.Observe(i, 1.0) == EarlyStopAction.StepLearningRate);
        stepped.ShouldBe(minimum);
    }

    [Fact]
    public void A_loss_that_keeps_falling_trains_every_iteration()
    {
        var (stepped, stopped, _) = Run(i => 1.0 / i);
        stepped.ShouldBeNull();
        stopped.ShouldBeNull();
    }

    [Fact]
    public void A_plateau_brings_the_lr_step_forward_then_stops_a_quarter_later()
    {
        // Falls until iteration 100, flat after: within a window and a half the last window is no
        // longer 2% better than the one before it.
        var (stepped, stopped, reason) = Run(i => i < 100 ? 1.0 - i * 0.005 : 0.5);
        stepped!.Value.ShouldBeInRange(120, 130 + 10);
        stopped.ShouldBe(stepped.Value + Math.Max(20, (int)Math.Ceiling(stepped.Value * 0.25)));
        reason!.ShouldContain($"plateaued at iteration {stepped}");
    }

    [Fact]
    public void Never_stops_before_the_minimum_even_when_flat_from_the_start()
    {
        var (stepped, stopped, _) = Run(_ => 0.3);
        stepped.ShouldBe(40);
        stopped.ShouldBe(60);
    }

    [Fact]
    public void Noise_around_a_falling_trend_does_not_stop_it()
    {
        var random = new Random(1);
        var (stepped, _, _) = Run(i => 2.0 * Math.Exp(-i / 150.0) * (1 + 0.02 * (random.NextDouble() - 0.5)), max: 300);
        stepped.ShouldBeNull();
    }
}
