using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SetGan.Agent.Generation;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>
/// Runs the generation loop on whatever package <see cref="DeviceControl"/> holds: the configured one,
/// or the one the cloud delivered last (so a rebooted device generates before it is back online).
/// k, schedule and budget changes reach the running loop at the next image; a new package restarts it.
/// Every image goes into the outbox.
/// </summary>
public sealed class GenerationService(IOptionsMonitor<AgentOptions> options, AgentRuntime runtime, DeviceControl control, ILogger log, TimeProvider time) : BackgroundService
{
    private GenerationLoop? loop;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.CurrentValue;
        try { await LoadStartPackageAsync(o, stopping); }
        finally { control.StartDone(); }
        using var subscription = options.OnChange(changed => _ = ApplyFileAsync(changed));
        while (!stopping.IsCancellationRequested)
        {
            var config = control.Config;
            if (config.Package is null)
            {
                log.Information("No package yet: nothing to generate until one arrives");
                try { await control.WaitForChangeAsync(stopping); } catch (OperationCanceledException) { break; }
                continue;
            }
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var current = new GenerationLoop(config.Package, runtime.Sampler, Path.Combine(o.DataDir, "images"), config.Settings!, runtime.Profile.IdleWatts.Value, log, time, control.Cpu);
            current.Generated += image => ToOutbox(o.Device, image);
            void OnChange(ActiveConfig before, ActiveConfig after)
            {
                if (!ReferenceEquals(before.Package, after.Package)) run.Cancel();
                else current.Update(after.Settings!);
            }
            control.Changed += OnChange;
            Volatile.Write(ref loop, current);
            try
            {
                if (!ReferenceEquals(control.Config.Package, config.Package)) continue; // swapped while we set up
                log.Information("Generating with {Package}: k = {K}", config.Package.Path, current.Settings.K);
                await Task.Run(() => current.RunAsync(run.Token), CancellationToken.None);
            }
            finally
            {
                control.Changed -= OnChange;
                Volatile.Write(ref loop, null);
            }
        }
    }

    /// <summary>Images now, out of schedule (the `generate` method); null when no package runs.</summary>
    public async Task<IReadOnlyList<GeneratedImage>?> GenerateNowAsync(int count, int? k, CancellationToken ct)
    {
        if (Volatile.Read(ref loop) is not { } current) return null;
        var made = new List<GeneratedImage>();
        for (int i = 0; i < count; i++) made.Add(await current.GenerateAsync(k ?? current.Settings.K, ct));
        return made;
    }

    private async Task LoadStartPackageAsync(AgentOptions o, CancellationToken ct)
    {
        var budget = new BudgetSettings(o.BudgetWatts > 0 ? o.BudgetWatts : null, null, o.ImagesPerMinute);
        int? k = o.K < 0 ? null : o.K;
        string? folder = o.Package.Length > 0 ? o.Package : runtime.Packages.Current;
        if (o.Package.Length == 0 && AppliedConfig.Load(o.DataDir, log) is { } applied)
        {
            // What the cloud set last, so a device rebooted offline carries on as it was told.
            (k, budget) = (applied.K ?? k, applied.Budget);
            log.Information("Carrying on with the configuration the cloud set last: k = {K}, budget {Budget}", k, budget);
        }
        PyramidPackage? package = null;
        if (folder is not null)
        {
            try { package = runtime.LoadPackage(folder, File.ReadAllText(o.PublicKey)); }
            catch (PackageException e) { log.Error("Package {Folder} does not load, so nothing runs until a good one arrives: {Reason}", folder, e.Message); }
        }
        string? sha = folder is not null && folder != o.Package ? Path.GetFileName(folder) : null;
        if (await control.ApplyStartAsync(package, sha, k, budget, ct) is { } refused)
        {
            log.Error("Agent:K refused, the package's finest scale runs instead: {Reason}", refused);
            await control.ApplyStartAsync(package, sha, null, budget, ct);
        }
    }

    private async Task ApplyFileAsync(AgentOptions changed)
    {
        var budget = new BudgetSettings(changed.BudgetWatts > 0 ? changed.BudgetWatts : null, control.Config.Budget.JoulesPerImage, changed.ImagesPerMinute);
        if (await control.ApplyAsync(null, null, changed.K < 0 ? null : changed.K, budget) is { } refused)
            log.Error("Configuration change refused, the old settings stay: {Reason}", refused);
    }

    private void ToOutbox(string device, GeneratedImage image)
    {
        var message = new Outbox.ImageMessage(device, image.K, image.Seed, image.Time, image.Seconds, image.Joules, image.EnergyEstimated, File.ReadAllBytes(image.Path));
        try { runtime.Outbox.Enqueue(Outbox.Outbox.Image, message.Encode(), image.Time); }
        catch (Outbox.OutboxFullException e) { log.Error("Image {Path} stays on disk only: {Reason}", image.Path, e.Message); }
        log.Information("Image k = {K} seed {Seed} in {Ms:F0} ms{Energy}: {Path}", image.K, image.Seed, image.Seconds * 1000,
            image.Joules is { } j ? $", {j:G3} J ({(image.EnergyEstimated ? "estimated" : "measured")})" : "", image.Path);
    }
}
