using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using SetGan.Agent.Link;
using SetGan.Core.Link;
using SetGan.Fleet.Service;
using SetGan.Hub;

namespace SetGan.Bench;

/// <summary>
/// `setgan-bench fleet`: one fleet service (embedded hub, controller, API, dashboard) with N simulated devices,
/// each the agent's own DeviceClient sending one power batch a second, while one open dashboard polls it.
/// Devices, dashboard and service share this process and its cores: one clock times each message from
/// send to stored event, and the load generator's cost is part of what the machine pays.
/// </summary>
public static class FleetBenchmark
{
    /// <param name="Panels">Devices whose power (every second) and images (every 3 s) the simulated dashboard fetches.</param>
    /// <param name="ImagesPerDevice">Small images each device sends before the measured period, standing for the history a device running for a while has.</param>
    public sealed record Settings(TimeSpan Measured, TimeSpan Warmup, int SamplesPerBatch, int Panels, int ConnectBatch, int ImagesPerDevice);

    public sealed record Latency(int Count, double P50Ms, double P95Ms, double MaxMs);

    public sealed record Step(
        int Devices, int Connected, int ConnectFailures, double ConnectSeconds, double Seconds,
        double TargetPerSecond, double AchievedPerSecond, int SendFailures, double TelemetryP50Ms, double TelemetryP99Ms,
        Latency ApiDevices, Latency Page, Latency Power, Latency Images, Latency PagePoll, int PollErrors,
        double CpuPercentOfMachine, double WorkingSetMb, bool Saturated, string? SaturatedBecause);

    public const double AchievedFloor = 0.95, DashboardP95LimitMs = 500;

    public static async Task<Step> RunAsync(int devices, Settings settings, string dir)
    {
        await using var service = await FleetService.StartAsync(
            new FleetServiceOptions { DataDir = dir, HttpPort = 0, MqttPort = 0, HttpsPort = 0 }, Serilog.Core.Logger.None);
        var hub = service.Hub;
        var ids = Enumerable.Range(0, devices).Select(d => LinkBenchmark.DeviceId("fleet", d)).ToList();
        foreach (string id in ids) hub.Devices.Add(id);

        var connect = Stopwatch.StartNew();
        var clients = new DeviceClient?[devices];
        int connectFailures = 0;
        // In batches, as a fleet comes back after an outage: a TLS handshake and SAS check each, all on these cores.
        for (int from = 0; from < devices; from += settings.ConnectBatch)
            await Task.WhenAll(Enumerable.Range(from, Math.Min(settings.ConnectBatch, devices - from)).Select(async d =>
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { clients[d] = await LinkBenchmark.ConnectDeviceAsync(hub, ids[d], timeout.Token); }
                catch (Exception e) when (e is LinkException or OperationCanceledException or IOException) { Interlocked.Increment(ref connectFailures); }
            }));
        double connectSeconds = connect.Elapsed.TotalSeconds;
        int connected = clients.Count(c => c is not null);
        if (settings.ImagesPerDevice > 0) await SendImagesAsync(hub, clients, settings.ImagesPerDevice);

        var sent = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        long windowStart = long.MaxValue, windowEnd = long.MaxValue;
        int stored = 0, sendFailures = 0;
        void OnTelemetry(TelemetryEvent e)
        {
            long now = Stopwatch.GetTimestamp();
            bool inWindow = now >= Interlocked.Read(ref windowStart) && now < Interlocked.Read(ref windowEnd);
            if (e.MessageId is { } mid && sent.TryRemove(mid, out long at) && inWindow) latencies.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
            if (inWindow) Interlocked.Increment(ref stored);
        }
        hub.TelemetryReceived += OnTelemetry;

        using var stop = new CancellationTokenSource();
        long t0 = Stopwatch.GetTimestamp();
        // Phases spread over the second, as devices switched on at different moments would be.
        var senders = clients.Select((c, d) => c is null ? Task.CompletedTask
            : Task.Run(() => SendEverySecondAsync(c, ids[d], t0, TimeSpan.FromSeconds((double)d / devices), settings.SamplesPerBatch, sent, () => Interlocked.Increment(ref sendFailures), stop.Token))).ToList();
        using var http = new HttpClient { BaseAddress = service.Url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", service.Token);
        var poller = new DashboardPoller(http, ids.Take(settings.Panels).ToList());

        await Task.Delay(settings.Warmup);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref windowEnd, start + (long)(settings.Measured.TotalSeconds * Stopwatch.Frequency));
        Interlocked.Exchange(ref windowStart, start);
        Interlocked.Exchange(ref sendFailures, 0);
        await poller.RunAsync(settings.Measured);
        var remaining = settings.Measured - Stopwatch.GetElapsedTime(start);
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / seconds / Environment.ProcessorCount;
        double workingSetMb = process.WorkingSet64 / 1e6;
        int achieved = Volatile.Read(ref stored);

        stop.Cancel();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
        hub.TelemetryReceived -= OnTelemetry;
        await Task.WhenAll(clients.OfType<DeviceClient>().Select(c => c.DisposeAsync().AsTask()));

        var sorted = latencies.Order().ToArray();
        double target = connected, rate = achieved / seconds;
        var pagePoll = poller.Summary("tick");
        string? because = connected < devices ? $"{devices - connected} devices could not connect"
            : rate < AchievedFloor * target ? $"stored {rate:F0} msg/s < {AchievedFloor:P0} of {target:F0}"
            : pagePoll.P95Ms > DashboardP95LimitMs ? $"dashboard poll p95 {pagePoll.P95Ms:F0} ms > {DashboardP95LimitMs:F0} ms"
            : null;
        return new Step(devices, connected, connectFailures, connectSeconds, seconds, target, rate, Volatile.Read(ref sendFailures),
            LinkBenchmark.Percentile(sorted, 0.5), LinkBenchmark.Percentile(sorted, 0.99),
            poller.Summary("/api/devices"), poller.Summary("/"), poller.Summary("power"), poller.Summary("images"), pagePoll, poller.Errors,
            cpu * 100, workingSetMb, because is not null, because);
    }

    /// <summary>One batch a second on a fixed schedule; a device that fell behind (its PUBACK took over a second) sends at once, as the agent's outbox drains.</summary>
    private static async Task SendEverySecondAsync(DeviceClient client, string id, long t0, TimeSpan phase, int samples,
        ConcurrentDictionary<string, long> sent, Action failed, CancellationToken stop)
    {
        for (long i = 0; !stop.IsCancellationRequested; i++)
        {
            var due = phase + TimeSpan.FromSeconds(i) - Stopwatch.GetElapsedTime(t0);
            try
            {
                if (due > TimeSpan.Zero) await Task.Delay(due, stop);
                string mid = $"{id}-{i}";
                byte[] body = LinkBenchmark.PowerBody(id, DateTimeOffset.UtcNow.AddSeconds(-1), samples, 1.0 / samples);
                sent[mid] = Stopwatch.GetTimestamp();
                await client.SendTelemetryAsync([new(MessageProperties.MessageId, mid), new(MessageProperties.Kind, MessageProperties.PowerKind)], body, stop);
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e) when (e is LinkException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                if (stop.IsCancellationRequested) return; // a PUBACK cut off by the end of the run is not a failure
                failed();
            }
        }
    }

    /// <summary>Each device sends <paramref name="count"/> one-chunk images (1 kB, one a minute apart, k = 0..3) and the hub stores them all.</summary>
    private static async Task SendImagesAsync(EmbeddedHub hub, DeviceClient?[] clients, int count)
    {
        int expected = clients.Count(c => c is not null) * count, done = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnImage(ImageRecord _) { if (Interlocked.Increment(ref done) == expected) all.TrySetResult(); }
        hub.ImageReceived += OnImage;
        var png = new byte[1000];
        new Random(1).NextBytes(png);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        var start = DateTimeOffset.UtcNow.AddMinutes(-count);
        await Task.WhenAll(clients.OfType<DeviceClient>().Select(client => Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                var header = new ImageChunkHeader($"img-{i}", 0, 1, png.Length, sha, i % 4, i, start.AddMinutes(i), 0.5, 1.2, true);
                await client.SendTelemetryAsync(header.Properties().Append(new(MessageProperties.MessageId, $"img-{i}")), png, CancellationToken.None);
            }
        })));
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        hub.ImageReceived -= OnImage;
    }
}
