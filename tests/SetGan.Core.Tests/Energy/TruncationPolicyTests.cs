using SetGan.Core.Energy;

namespace SetGan.Core.Tests.Energy;

public class TruncationPolicyTests
{
    private const double Idle = 2.0;

    /// <summary>A paper-like pyramid: each scale costs about twice the one below; SSIM rises with k.</summary>
    private static List<TruncationOption> Pyramid(params double[] ssim) =>
        ssim.Select((s, k) => Option(k, joules: Math.Pow(2, k), seconds: 0.1 * Math.Pow(2, k), ssim: s, swd: 0.1 / (k + 1))).ToList();

    private static TruncationOption Option(int k, double joules, double seconds, double? ssim = null, double? swd = null) =>
        new(new TruncationEnergy(k, joules, seconds, EnergySource.Measured), ssim, swd);

    [Fact]
    public void Picks_the_largest_k_within_a_joule_budget_and_says_energy_bound_it()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5, 0.7, 0.8, 0.9), new EnergyBudget.PerImage(5), new QualityFloor.None(), Idle);

        choice.Feasible.ShouldBeTrue();
        choice.K.ShouldBe(2);
        choice.Binding.ShouldBe(Binding.Energy);
        choice.Energy!.JoulesPerImage.ShouldBe(4);
        choice.Quality.ShouldBe(0.7);
        choice.Reason.ShouldContain("k = 3 does not fit");
    }

    [Fact]
    public void The_whole_pyramid_when_it_fits()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5, 0.7), new EnergyBudget.PerImage(100), new QualityFloor.MinSsim(0.6), Idle);
        (choice.K, choice.Binding).ShouldBe((2, Binding.None));
    }

    [Fact]
    public void Infeasible_when_not_even_the_coarsest_scale_fits_and_names_it_as_nearest()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5), new EnergyBudget.PerImage(0.5), new QualityFloor.None(), Idle);

        choice.Feasible.ShouldBeFalse();
        choice.K.ShouldBeNull();
        choice.Binding.ShouldBe(Binding.Energy);
        choice.Nearest!.K.ShouldBe(0);
        choice.Reason.ShouldContain("infeasible");
    }

    [Fact]
    public void Infeasible_on_quality_names_the_cheapest_truncation_that_meets_the_floor()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5, 0.7, 0.8), new EnergyBudget.PerImage(3), new QualityFloor.MinSsim(0.75), Idle);

        choice.Feasible.ShouldBeFalse();
        choice.Binding.ShouldBe(Binding.Quality);
        choice.Nearest!.K.ShouldBe(3);
        choice.Reason.ShouldContain("needs 8 J per image");
    }

    [Fact]
    public void A_swd_floor_ranks_by_swd()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5, 0.7), new EnergyBudget.PerImage(100), new QualityFloor.MaxSwd(0.04), Idle);
        choice.Feasible.ShouldBeTrue();
        (choice.K, choice.Metric, choice.Quality).ShouldBe((2, QualityMetric.Swd, 0.1 / 3));
    }

    [Fact]
    public void A_truncation_that_costs_more_without_being_better_is_skipped()
    {
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.6, 0.55, 0.9), new EnergyBudget.PerImage(5), new QualityFloor.None(), Idle);

        choice.K.ShouldBe(1);
        choice.Dominated.ShouldBe([2]);
        choice.Reason.ShouldContain("k = 2 cost more without better SSIM");
    }

    [Fact]
    public void Without_quality_figures_more_scales_count_as_better()
    {
        var options = Enumerable.Range(0, 4).Select(k => Option(k, k + 1, 0.1)).ToList();
        TruncationPolicy.Choose(options, new EnergyBudget.PerImage(3.5), new QualityFloor.None(), Idle).K.ShouldBe(2);
        Should.Throw<ArgumentException>(() => TruncationPolicy.Choose(options, new EnergyBudget.PerImage(3.5), new QualityFloor.MinSsim(0.5), Idle))
            .Message.ShouldContain("setgan evaluate");
    }

    [Fact]
    public void An_average_power_budget_counts_idle_power_between_images()
    {
        // One image a minute: k = 2 uses 4 J in 0.4 s, then idles 59.6 s at 2 W: (4 + 119.2) / 60 = 2.053 W.
        var options = Pyramid(0.3, 0.5, 0.7, 0.8);
        TruncationPolicy.Choose(options, new EnergyBudget.AveragePower(2.06, 1), new QualityFloor.None(), Idle).K.ShouldBe(2);
        TruncationPolicy.Choose(options, new EnergyBudget.AveragePower(2.05, 1), new QualityFloor.None(), Idle).K.ShouldBe(1);
        var belowIdle = TruncationPolicy.Choose(options, new EnergyBudget.AveragePower(1.5, 1), new QualityFloor.None(), Idle);
        belowIdle.Feasible.ShouldBeFalse();
    }

    [Fact]
    public void An_image_rate_faster_than_a_truncation_runs_binds_on_rate()
    {
        // 100 images a minute leaves 0.6 s per image: k = 3 takes 0.8 s.
        var choice = TruncationPolicy.Choose(Pyramid(0.3, 0.5, 0.7, 0.8), new EnergyBudget.AveragePower(1000, 100), new QualityFloor.None(), Idle);
        (choice.K, choice.Binding).ShouldBe((2, Binding.Rate));
    }

    [Fact]
    public void A_battery_budget_is_its_average_power_over_the_lifetime()
    {
        var battery = new EnergyBudget.Battery(WattHours: 48, Lifetime: TimeSpan.FromHours(24), ImagesPerMinute: 1);
        battery.Watts.ShouldBe(2.0);
        battery.Describe().ShouldContain("48 Wh");
    }

    [Fact]
    public void Gaps_in_the_truncations_are_refused()
    {
        Should.Throw<ArgumentException>(() => TruncationPolicy.Choose([Option(0, 1, 1), Option(2, 2, 2)], new EnergyBudget.PerImage(5), new QualityFloor.None(), Idle));
    }
}
