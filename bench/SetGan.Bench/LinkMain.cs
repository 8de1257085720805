using System.Text.Json;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;
using SetGan.Hub;

namespace SetGan.Bench;

/// <summary>`setgan-bench link`: prints the figures issue 8 asks for, each from the same run.</summary>
internal static class LinkMain
{
    public static async Task<int> RunAsync(Args options)
    {
        string dir = Directory.CreateTempSubdirectory("setgan-link-bench-").FullName;
        try
        {
            Console.WriteLine($"link: embedded hub in-process (MQTT 3.1.1 over TLS, SQLite WAL), devices are the agent's DeviceClient; {Environment.ProcessorCount} cores");
            var telemetry = new List<LinkBenchmark.Telemetry>();
            var images = new List<LinkBenchmark.Images>();
            for (int round = 0; round < options.Rounds; round++)
            {
                await using var hub = await EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(dir, $"hub-{round}") }, Serilog.Core.Logger.None);
                foreach (int inFlight in new[] { 1, 8 })
                {
                    // Warm-up, not measured: a hub runs for months, so the JIT's tiering of the hot path (16 % of the
                    // CPU in a profile of a cold 3-second run) is not part of what it costs per message. 100 messages a
                    // device were not enough: the next round, on a new hub in the same process, ran twice as fast.
                    if (round == 0) await LinkBenchmark.TelemetryAsync(hub, devices: 100, perDevice: 400, inFlight, $"warm{inFlight}");
                    var t = await LinkBenchmark.TelemetryAsync(hub, devices: 100, perDevice: 500, inFlight, $"load{inFlight}");
                    telemetry.Add(t);
                    Console.WriteLine($"round {round}: telemetry {t.Messages} messages of {t.BodyBytes} B from {t.Devices} devices, {inFlight} in flight each: " +
                                      $"{t.MessagesPerSecond:F0} msg/s, latency p50 {t.P50Ms:F1} ms, p99 {t.P99Ms:F1} ms, max {t.MaxMs:F1} ms, CPU {t.CpuMicrosPerMessage:F0} us/msg");
                }
                var i = await LinkBenchmark.ImagesAsync(hub, count: 20, bytes: 600_000);
                images.Add(i);
                Console.WriteLine($"round {round}: images {i.Count} x {i.Bytes / 1000} kB in {ImageChunksPer(i.Bytes)} chunks each: {i.BytesPerSecond / 1e6:F1} MB/s");
            }
            await using var control = await EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(dir, "hub-control") }, Serilog.Core.Logger.None);
            var (package, _, _) = TestPackages.WriteSigned(Path.Combine(dir, "keys"));
            var changes = await LinkBenchmark.BudgetToKAsync(control, package, Path.Combine(dir, "keys", "keys", PackageSigning.PublicKeyFile), Path.Combine(dir, "agent"), changes: 10);
            var sorted = changes.Order().ToList();
            Console.WriteLine($"budget change to new k reported by a real agent ({changes.Count} changes): median {sorted[sorted.Count / 2] * 1000:F0} ms, max {sorted[^1] * 1000:F0} ms");
            if (options.Json is { } json)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
                File.WriteAllText(json, JsonSerializer.Serialize(new { cores = Environment.ProcessorCount, telemetry, images, budgetToKSeconds = changes }, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"wrote {json}");
            }
            return 0;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static int ImageChunksPer(int bytes) => SetGan.Core.Link.ImageChunks.Count(bytes);
}
