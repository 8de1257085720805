using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SetGan.Bench;

/// <summary>`setgan-bench fleet`: the curve issue 9 asks for (devices per fleet service instance), one fresh service per fleet size.</summary>
internal static class FleetMain
{
    public static async Task<int> RunAsync(string[] args, string? json)
    {
        string Value(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        int[] sizes = Value("--devices", "100,250,500,1000,1500").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var settings = new FleetBenchmark.Settings(
            Measured: TimeSpan.FromSeconds(double.Parse(Value("--seconds", "20"), CultureInfo.InvariantCulture)),
            Warmup: TimeSpan.FromSeconds(double.Parse(Value("--warmup", "5"), CultureInfo.InvariantCulture)),
            SamplesPerBatch: int.Parse(Value("--samples", "100"), CultureInfo.InvariantCulture),
            Panels: int.Parse(Value("--panels", "8"), CultureInfo.InvariantCulture),
            ConnectBatch: int.Parse(Value("--connect-batch", "50"), CultureInfo.InvariantCulture),
            ImagesPerDevice: int.Parse(Value("--images", "0"), CultureInfo.InvariantCulture));
        Console.WriteLine($"fleet: one fleet service in-process (embedded hub over MQTT/TLS, SQLite WAL, Kestrel), {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB");
        Console.WriteLine($"devices: the agent's DeviceClient (TLS, SAS, QoS 1), one power batch of {settings.SamplesPerBatch} samples per second each, phases spread over the second");
        Console.WriteLine($"dashboard: one page polling as dashboard.js does, with {settings.Panels} panels (every 1 s: GET /, /api/devices, power x {settings.Panels}; every 3 s: images x {settings.Panels}, /api/packages)");
        if (settings.ImagesPerDevice > 0) Console.WriteLine($"history: each device first sends {settings.ImagesPerDevice} small images (1 kB, one chunk), as a device that ran a while has");
        Console.WriteLine($"caveat: devices, dashboard and service share this process and its {Environment.ProcessorCount} cores; the load generator's cost counts against the service");
        Console.WriteLine($"{settings.Warmup.TotalSeconds:F0} s warm-up then {settings.Measured.TotalSeconds:F0} s measured per size; saturated when stored < {FleetBenchmark.AchievedFloor:P0} of target, a device cannot connect, or the dashboard poll p95 > {FleetBenchmark.DashboardP95LimitMs:F0} ms");
        Console.WriteLine();
        Console.WriteLine($"{"devices",7} {"conn",5} {"conn s",7} {"target/s",8} {"stored/s",8} {"tel p50",8} {"tel p99",8} {"devs p50",8} {"devs p95",8} {"devs max",8} {"/ p95",6} {"pwr p95",7} {"poll p95",8} {"CPU%",5} {"WS MB",6}");
        var steps = new List<FleetBenchmark.Step>();
        foreach (int devices in sizes)
        {
            string dir = Directory.CreateTempSubdirectory("setgan-fleet-bench-").FullName;
            try
            {
                var s = await FleetBenchmark.RunAsync(devices, settings, dir);
                steps.Add(s);
                Console.WriteLine($"{s.Devices,7} {s.Connected,5} {s.ConnectSeconds,7:F1} {s.TargetPerSecond,8:F0} {s.AchievedPerSecond,8:F0} {s.TelemetryP50Ms,8:F1} {s.TelemetryP99Ms,8:F1} " +
                                  $"{s.ApiDevices.P50Ms,8:F0} {s.ApiDevices.P95Ms,8:F0} {s.ApiDevices.MaxMs,8:F0} {s.Page.P95Ms,6:F0} {s.Power.P95Ms,7:F0} {s.PagePoll.P95Ms,8:F0} {s.CpuPercentOfMachine,5:F0} {s.WorkingSetMb,6:F0}" +
                                  (s.PollErrors + s.SendFailures + s.ConnectFailures > 0 ? $"  ({s.ConnectFailures} connect failures, {s.SendFailures} send failures, {s.PollErrors} dashboard errors)" : "") +
                                  (s.SaturatedBecause is { } why ? $"  SATURATED: {why}" : ""));
            }
            finally { Directory.Delete(dir, recursive: true); }
        }
        var first = steps.FirstOrDefault(s => s.Saturated);
        Console.WriteLine(first is null
            ? $"not saturated up to {sizes.Max()} devices on this machine"
            : $"saturation: {first.Devices} devices ({first.SaturatedBecause}); the largest size that held: {steps.Where(s => !s.Saturated && s.Devices < first.Devices).Select(s => (int?)s.Devices).Max()?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        if (json is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                cores = Environment.ProcessorCount, samplesPerBatch = settings.SamplesPerBatch, imagesPerDevice = settings.ImagesPerDevice, panels = settings.Panels, measuredSeconds = settings.Measured.TotalSeconds,
                warmupSeconds = settings.Warmup.TotalSeconds, sameProcess = true, saturatedAt = first?.Devices, steps,
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }
}
