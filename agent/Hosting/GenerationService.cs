using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SetGan.Agent.Generation;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent.Hosting;

/// <summary>An image waiting in the outbox: what made it and what it cost, with the PNG.</summary>
public sealed record ImageMessage(string Device, int K, int Seed, DateTimeOffset Time, double Seconds, double? Joules, bool EnergyEstimated, byte[] Png);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ImageMessage))]
internal sealed partial class ImageMessageJson : JsonSerializerContext;

/// <summary>
/// Runs the generation loop on the configured package (verified first) and puts every image in the
/// outbox. A change of Agent:K, Agent:ImagesPerMinute or Agent:BudgetWatts in the configuration takes
/// effect at the next image; an invalid change is refused with the reason and the old settings stay.
/// </summary>
public sealed class GenerationService(IOptionsMonitor<AgentOptions> options, AgentRuntime runtime, ILogger log, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.CurrentValue;
        if (o.Package.Length == 0)
        {
            log.Information("No package configured: nothing to generate until one arrives");
            return;
        }
        using var package = PyramidPackage.Load(o.Package, File.ReadAllText(o.PublicKey), o.OrtThreads > 0 ? o.OrtThreads : runtime.Profile.OnnxRuntimeThreads);
        var loop = new GenerationLoop(package, runtime.Sampler, Path.Combine(o.DataDir, "images"), Settings(o, package), runtime.Profile.IdleWatts.Value, log, time);
        loop.Generated += image =>
        {
            var message = new ImageMessage(o.Device, image.K, image.Seed, image.Time, image.Seconds, image.Joules, image.EnergyEstimated, File.ReadAllBytes(image.Path));
            try { runtime.Outbox.Enqueue(Outbox.Outbox.Image, JsonSerializer.SerializeToUtf8Bytes(message, ImageMessageJson.Default.ImageMessage), image.Time); }
            catch (Outbox.OutboxFullException e) { log.Error("Image {Path} stays on disk only: {Reason}", image.Path, e.Message); }
            log.Information("Image k = {K} seed {Seed} in {Ms:F0} ms{Energy}: {Path}", image.K, image.Seed, image.Seconds * 1000,
                image.Joules is { } j ? $", {j:G3} J ({(image.EnergyEstimated ? "estimated" : "measured")})" : "", image.Path);
        };
        using var subscription = options.OnChange(changed =>
        {
            try { loop.Update(Settings(changed, package)); }
            catch (ArgumentOutOfRangeException e) { log.Error("Configuration change refused, the old settings stay: {Reason}", e.Message); }
        });
        log.Information("Generating with {Package}: k = {K}", package.Path, loop.Settings.K);
        await Task.Run(() => loop.RunAsync(stopping), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static GenerationSettings Settings(AgentOptions o, PyramidPackage package) =>
        new(o.K < 0 ? package.FinestScale : o.K, o.ImagesPerMinute, o.BudgetWatts > 0 ? o.BudgetWatts : null);
}
