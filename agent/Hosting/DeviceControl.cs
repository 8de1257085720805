using SetGan.Agent.Generation;
using SetGan.Core.Link;
using SetGan.Core.Packaging;

namespace SetGan.Agent.Hosting;

/// <summary>The configuration in force: the package (and its archive's SHA-256 when the cloud sent it), k, and the budget.</summary>
public sealed record ActiveConfig(PyramidPackage? Package, string? PackageSha256, int? K, BudgetSettings Budget)
{
    public int? ActiveK => Package is null ? null : K ?? Package.FinestScale;

    public GenerationSettings? Settings => Package is null ? null : new(ActiveK!.Value, Budget.ImagesPerMinute, Budget.Watts);
}

/// <summary>
/// One place that holds what the agent runs, whoever changes it (the watched config file, the twin's
/// desired properties, a setBudget call): each change is checked against the package as a whole and
/// refused with the reason, leaving the old configuration, or applied and announced by <see cref="Changed"/>.
/// A replaced package is disposed only after the generation loop has let go of it.
/// The start configuration (local options, or what the cloud set last) goes in first: every other
/// change waits for it, so a desired twin read at connect lands on top of it and is not overwritten.
/// </summary>
public sealed class DeviceControl : IDisposable
{
    private ActiveConfig config = new(null, null, null, new BudgetSettings(null, null, 1));
    private readonly SemaphoreSlim changing = new(1, 1);
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Exclusive use of the pyramid: held for each image, for a whole profiling run, and for a package swap.</summary>
    public SemaphoreSlim Cpu { get; } = new(1, 1);

    public ActiveConfig Config => Volatile.Read(ref config);

    /// <summary>Old and new configuration, raised after every applied change (a package swap cancels the loop first).</summary>
    public event Action<ActiveConfig, ActiveConfig>? Changed;

    /// <summary>Applies what is given (null = keep) once the start configuration is in; returns null when applied, else why it was refused.</summary>
    public async Task<string?> ApplyAsync(PyramidPackage? package, string? packageSha256, int? k, BudgetSettings? budget, CancellationToken ct = default)
    {
        await started.Task.WaitAsync(ct);
        return await ApplyNowAsync(package, packageSha256, k, budget, ct);
    }

    /// <summary>The start configuration, before any other change may apply; call <see cref="StartDone"/> after it (also when it failed).</summary>
    public Task<string?> ApplyStartAsync(PyramidPackage? package, string? packageSha256, int? k, BudgetSettings budget, CancellationToken ct) =>
        ApplyNowAsync(package, packageSha256, k, budget, ct);

    /// <summary>Lets the changes that wait for the start configuration go ahead.</summary>
    public void StartDone() => started.TrySetResult();

    private async Task<string?> ApplyNowAsync(PyramidPackage? package, string? packageSha256, int? k, BudgetSettings? budget, CancellationToken ct)
    {
        await changing.WaitAsync(ct);
        try
        {
            var old = Config;
            var next = old with
            {
                Package = package ?? old.Package,
                PackageSha256 = package is null ? old.PackageSha256 : packageSha256,
                K = k ?? (package is null ? old.K : old.K is { } keep && keep <= package.FinestScale ? keep : null),
                Budget = budget ?? old.Budget,
            };
            if (next.Package is { } p && next.K is { } kk && kk > p.FinestScale)
                return $"k = {kk} is outside the package's truncations 0..{p.FinestScale}";
            if (package is null || ReferenceEquals(package, old.Package))
            {
                Volatile.Write(ref config, next);
                Changed?.Invoke(old, next);
                return null;
            }
            // A new package: wait for the image in flight, cancel the loop (Changed), then let the old one go.
            await Cpu.WaitAsync(ct);
            try
            {
                Volatile.Write(ref config, next);
                Changed?.Invoke(old, next);
                old.Package?.Dispose();
            }
            finally { Cpu.Release(); }
            return null;
        }
        finally { changing.Release(); }
    }

    /// <summary>Waits until the configuration changes (or the stop).</summary>
    public Task WaitForChangeAsync(CancellationToken ct)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChange(ActiveConfig o, ActiveConfig n) => changed.TrySetResult();
        Changed += OnChange;
        var registration = ct.Register(() => changed.TrySetCanceled(ct));
        return changed.Task.ContinueWith(t => { Changed -= OnChange; registration.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
    }

    public void Dispose() => Config.Package?.Dispose();
}
