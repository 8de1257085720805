using CsCheck;
using SetGan.Core.Energy;

namespace SetGan.Core.Tests.Energy;

/// <summary>
/// The k* policy's promises, checked on random pyramids (any energies, times and qualities, not
/// only well-behaved ones) with CsCheck, which shrinks a failure to a small counterexample.
/// </summary>
public class TruncationPolicyProperties
{
    private static readonly Gen<List<TruncationOption>> Pyramids =
        Gen.Int[1, 9].SelectMany(n => Gen.Select(Gen.Double[0.01, 50].Array[n], Gen.Double[0.001, 5].Array[n], Gen.Double[0, 1].Array[n], Gen.Double[0, 0.5].Array[n],
            (joules, seconds, ssim, swd) => Enumerable.Range(0, n)
                .Select(k => new TruncationOption(new TruncationEnergy(k, joules[k], seconds[k], EnergySource.Estimated), ssim[k], swd[k])).ToList()));

    private static readonly Gen<double> Idle = Gen.Double[0, 5];

    private static QualityFloor.MinSsim Ssim(double s) => new(s);

    [Fact]
    public void More_joules_per_image_never_give_a_smaller_k() =>
        Gen.Select(Pyramids, Gen.Double[0, 60], Gen.Double[0, 60], Gen.Double[0, 1], Idle).Sample((options, a, b, floor, idle) =>
        {
            var less = TruncationPolicy.Choose(options, new EnergyBudget.PerImage(Math.Min(a, b)), Ssim(floor), idle);
            var more = TruncationPolicy.Choose(options, new EnergyBudget.PerImage(Math.Max(a, b)), Ssim(floor), idle);
            if (less.Feasible) { more.Feasible.ShouldBeTrue(); more.K!.Value.ShouldBeGreaterThanOrEqualTo(less.K!.Value); }
        });

    [Fact]
    public void More_average_watts_never_give_a_smaller_k() =>
        Gen.Select(Pyramids, Gen.Double[0, 20], Gen.Double[0, 20], Gen.Double[0.1, 120], Idle).Sample((options, a, b, rate, idle) =>
        {
            var less = TruncationPolicy.Choose(options, new EnergyBudget.AveragePower(Math.Min(a, b), rate), new QualityFloor.None(), idle);
            var more = TruncationPolicy.Choose(options, new EnergyBudget.AveragePower(Math.Max(a, b), rate), new QualityFloor.None(), idle);
            if (less.Feasible) { more.Feasible.ShouldBeTrue(); more.K!.Value.ShouldBeGreaterThanOrEqualTo(less.K!.Value); }
        });

    [Fact]
    public void A_tighter_ssim_floor_never_gives_a_smaller_k_when_feasible() =>
        Gen.Select(Pyramids, Gen.Double[0, 60], Gen.Double[0, 1], Gen.Double[0, 1], Idle).Sample((options, joules, a, b, idle) =>
        {
            var budget = new EnergyBudget.PerImage(joules);
            var loose = TruncationPolicy.Choose(options, budget, Ssim(Math.Min(a, b)), idle);
            var tight = TruncationPolicy.Choose(options, budget, Ssim(Math.Max(a, b)), idle);
            if (tight.Feasible) { loose.Feasible.ShouldBeTrue(); tight.K!.Value.ShouldBeGreaterThanOrEqualTo(loose.K!.Value); }
        });

    [Fact]
    public void A_tighter_swd_floor_never_gives_a_smaller_k_when_feasible() =>
        Gen.Select(Pyramids, Gen.Double[0, 60], Gen.Double[0, 0.5], Gen.Double[0, 0.5], Idle).Sample((options, joules, a, b, idle) =>
        {
            var budget = new EnergyBudget.PerImage(joules);
            var loose = TruncationPolicy.Choose(options, budget, new QualityFloor.MaxSwd(Math.Max(a, b)), idle);
            var tight = TruncationPolicy.Choose(options, budget, new QualityFloor.MaxSwd(Math.Min(a, b)), idle);
            if (tight.Feasible) { loose.Feasible.ShouldBeTrue(); tight.K!.Value.ShouldBeGreaterThanOrEqualTo(loose.K!.Value); }
        });

    [Fact]
    public void A_feasible_choice_fits_the_budget_meets_the_floor_and_no_larger_useful_k_fits() =>
        Gen.Select(Pyramids, Gen.Double[0, 60], Gen.Double[0, 1], Idle).Sample((options, joules, floor, idle) =>
        {
            var choice = TruncationPolicy.Choose(options, new EnergyBudget.PerImage(joules), Ssim(floor), idle);
            if (!choice.Feasible) return;
            var chosen = options[choice.K!.Value];
            options.Take(chosen.K + 1).ShouldAllBe(o => o.Energy.JoulesPerImage <= joules);
            chosen.Ssim!.Value.ShouldBeGreaterThanOrEqualTo(floor);
            var larger = options.Skip(chosen.K + 1).TakeWhile(o => o.Energy.JoulesPerImage <= joules);
            larger.ShouldAllBe(o => o.Ssim <= options.Take(chosen.K + 1).Max(p => p.Ssim));
        });
}
