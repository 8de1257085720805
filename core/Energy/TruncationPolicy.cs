namespace SetGan.Core.Energy;

/// <summary>What is known about one truncation: its energy on the device and its quality (when evaluated).</summary>
public sealed record TruncationOption(TruncationEnergy Energy, double? Ssim, double? Swd)
{
    public int K => Energy.K;

    public double? Quality(QualityMetric metric) => metric == QualityMetric.Ssim ? Ssim : Swd;
}

/// <summary>The policy's answer: k* (or why nothing fits and the nearest option), and what bound it.</summary>
public sealed record TruncationChoice(
    bool Feasible, int? K, Binding Binding, TruncationEnergy? Energy, double? Quality, QualityMetric Metric,
    string Reason, TruncationOption? Nearest, IReadOnlyList<int> Dominated);

/// <summary>
/// SETGAN's k* with an energy budget (ours, beyond the paper's SSIM threshold): the largest useful
/// truncation that fits the budget, checked against the quality floor.
/// <list type="bullet">
/// <item>A truncation G_0..G_k runs every smaller truncation inside it, so it only fits when every
/// smaller one fits too: the truncations that fit are always 0..K_fit, and more budget never removes one.</item>
/// <item>A truncation that costs more than a smaller one but is not better (measured quality, or
/// more scales when quality is unknown) is dominated and never chosen.</item>
/// <item>k* is the largest undominated k in 0..K_fit. The floor does not move k*: it only says whether
/// k* is good enough. So a tighter floor never gives a smaller k, and when it is not met there is no
/// cheaper truncation that would meet it.</item>
/// </list>
/// </summary>
public static class TruncationPolicy
{
    public static TruncationChoice Choose(IReadOnlyList<TruncationOption> options, EnergyBudget budget, QualityFloor floor, double idleWatts)
    {
        if (options.Count == 0) throw new ArgumentException("no truncations to choose from");
        var byK = options.OrderBy(o => o.K).ToList();
        for (int i = 0; i < byK.Count; i++)
            if (byK[i].K != i) throw new ArgumentException($"truncations must be k = 0..N without gaps; found k = {byK[i].K} at position {i}");
        var metric = floor.Metric;
        bool qualityKnown = byK.All(o => o.Quality(metric) is { } q && double.IsFinite(q));
        if (floor is not QualityFloor.None && !qualityKnown)
            throw new ArgumentException($"the floor '{floor.Describe()}' needs the {Name(metric)} of every truncation; run `setgan evaluate` on the package first");

        double Rank(TruncationOption o) => !qualityKnown ? o.K : metric == QualityMetric.Ssim ? o.Ssim!.Value : -o.Swd!.Value;
        double? QualityOf(TruncationOption o) => qualityKnown ? o.Quality(metric) : null;

        var dominated = new List<int>();
        double best = double.NegativeInfinity;
        foreach (var o in byK)
        {
            if (Rank(o) > best) best = Rank(o);
            else dominated.Add(o.K);
        }

        int fit = -1;
        (Binding Binding, string Why)? stop = null;
        foreach (var o in byK)
        {
            stop = budget.Refuses(o.Energy, idleWatts);
            if (stop is not null) break;
            fit = o.K;
        }

        if (fit < 0)
            return new TruncationChoice(false, null, stop!.Value.Binding, null, null, metric,
                $"infeasible: even the coarsest truncation does not fit {budget.Describe()}: {stop.Value.Why}", byK[0], dominated);

        var chosen = byK.Take(fit + 1).Last(o => !dominated.Contains(o.K));
        double? quality = QualityOf(chosen);
        if (quality is { } q && !floor.IsMetBy(q))
        {
            var cheapestGood = byK.FirstOrDefault(o => floor.IsMetBy(o.Quality(metric)!.Value));
            string nearest = cheapestGood is null
                ? $"no truncation reaches it (the best is k = {byK.MaxBy(Rank)!.K} with {Name(metric)} {byK.MaxBy(Rank)!.Quality(metric):G3})"
                : $"the cheapest that does is k = {cheapestGood.K}, which needs {cheapestGood.Energy.JoulesPerImage:G3} J per image";
            return new TruncationChoice(false, null, Binding.Quality, chosen.Energy, q, metric,
                $"infeasible: within {budget.Describe()} the best is k = {chosen.K} with {Name(metric)} {q:G3}, below the floor {floor.Describe()}; {nearest}",
                cheapestGood ?? byK.MaxBy(Rank), dominated);
        }

        var binding = fit == byK.Count - 1 ? Binding.None : stop!.Value.Binding;
        string why = binding == Binding.None ? "the whole pyramid fits" : $"k = {fit + 1} does not fit: {stop!.Value.Why}";
        string skipped = chosen.K < fit ? $"; k = {string.Join(", ", Enumerable.Range(chosen.K + 1, fit - chosen.K))} cost more without better {Name(metric)}" : "";
        return new TruncationChoice(true, chosen.K, binding, chosen.Energy, quality, metric,
            $"k* = {chosen.K} ({chosen.Energy.JoulesPerImage:G3} J, {chosen.Energy.SecondsPerImage:G3} s per image, {chosen.Energy.Source.ToString().ToLowerInvariant()}): {why}{skipped}",
            null, dominated);
    }

    private static string Name(QualityMetric metric) => metric.ToString().ToUpperInvariant();
}
