using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Fleet;

/// <summary>k* for one device, and what it rests on: measured or estimated energy, the budget, the reason.</summary>
/// <param name="Energy">Where the energy figures came from; null when there was no budget to weigh them against.</param>
public sealed record KStarDecision(int K, bool Feasible, EnergySource? Energy, string Budget, string Reason);

/// <summary>
/// SETGAN's choice for one device (the same <see cref="TruncationPolicy"/> as `setgan choose`): the
/// package's quality per k from its signed manifest, the device's energy per k from the profile it
/// measured and reported for these very generators, or else estimated from its board profile (and
/// labelled so), and its budget: joules per image, or watts at an image rate; with both, the tighter wins.
/// With no budget there is nothing to trade: the whole pyramid.
/// </summary>
public static class KStarPlanner
{
    public static KStarDecision Plan(PackageManifest manifest, EnergyProfile? measured, DeviceProfile? board, BudgetSettings? budget)
    {
        int n = manifest.Scales.Count;
        if (budget is null || (budget.JoulesPerImage is null && (budget.Watts is null || budget.ImagesPerMinute <= 0)))
            return new KStarDecision(n - 1, true, null, "none", "no energy budget: the whole pyramid");
        var energy = EnergyPerK(manifest, measured, board);
        double idle = measured?.IdleWatts ?? board?.IdleWatts.Value ?? 0;
        var quality = manifest.Quality?.ToDictionary(q => q.K);
        var options = energy.Select(e => new TruncationOption(e, quality?.GetValueOrDefault(e.K)?.Ssim, quality?.GetValueOrDefault(e.K)?.Swd)).ToList();
        var budgets = new List<EnergyBudget>();
        if (budget?.JoulesPerImage is { } j) budgets.Add(new EnergyBudget.PerImage(j));
        if (budget?.Watts is { } w && budget.ImagesPerMinute > 0) budgets.Add(new EnergyBudget.AveragePower(w, budget.ImagesPerMinute));
        var source = energy[0].Source;
        var choices = budgets.Select(b => (Budget: b, Choice: TruncationPolicy.Choose(options, b, new QualityFloor.None(), idle))).ToList();
        var infeasible = choices.FirstOrDefault(c => !c.Choice.Feasible);
        if (infeasible.Choice is { } none)
            return new KStarDecision(0, false, source, infeasible.Budget.Describe(), $"nothing fits, k = 0 runs (the cheapest): {none.Reason}");
        var tightest = choices.MinBy(c => c.Choice.K!.Value);
        return new KStarDecision(tightest.Choice.K!.Value, true, source, tightest.Budget.Describe(), tightest.Choice.Reason);
    }

    /// <summary>Energy per image of every k on this device: measured for these generators when it reported them, else estimated from its board.</summary>
    public static IReadOnlyList<TruncationEnergy> EnergyPerK(PackageManifest manifest, EnergyProfile? measured, DeviceProfile? board)
    {
        int n = manifest.Scales.Count;
        string models = manifest.ModelsSha256();
        if (measured is not null && string.Equals(measured.ModelsSha256, models, StringComparison.OrdinalIgnoreCase))
            return TruncationEnergy.FromMeasured(measured, models, n);
        if (board is null) throw new ProfileException("the device reported neither an energy profile for this package nor a board profile to estimate from");
        return TruncationEnergy.Estimate(board, Enumerable.Range(0, n).Select(manifest.Flops).ToList());
    }
}
