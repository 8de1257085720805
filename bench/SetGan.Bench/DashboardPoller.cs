using System.Collections.Concurrent;
using System.Diagnostics;

namespace SetGan.Bench;

/// <summary>
/// What one open dashboard asks of the service (Dashboard/dashboard.js): every second the page, the device list and
/// the power of each panel; every third second each panel's images and the packages. Each second's requests go out
/// together, as the page's timers fire; a second whose requests are not all answered delays the next, so a slow
/// service shows as a slow "tick" rather than as requests piling up.
/// </summary>
internal sealed class DashboardPoller(HttpClient http, IReadOnlyList<string> panels)
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> timings = new();
    private int errors;

    public int Errors => errors;

    public async Task RunAsync(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        for (int tick = 0; clock.Elapsed < duration; tick++)
        {
            long start = Stopwatch.GetTimestamp();
            var requests = new List<Task> { GetAsync("/", "/"), GetAsync("api/devices", "/api/devices") };
            requests.AddRange(panels.Select(id => GetAsync($"api/devices/{Uri.EscapeDataString(id)}/power", "power")));
            if (tick % 3 == 0)
            {
                requests.Add(GetAsync("api/packages", "/api/packages"));
                requests.AddRange(panels.Select(id => GetAsync($"api/devices/{Uri.EscapeDataString(id)}/images?latest=6", "images")));
            }
            await Task.WhenAll(requests);
            Record("tick", Stopwatch.GetElapsedTime(start));
            var rest = TimeSpan.FromSeconds(tick + 1) - clock.Elapsed;
            if (clock.Elapsed + rest >= duration) break; // the next second starts after the measured period
            if (rest > TimeSpan.Zero) await Task.Delay(rest);
        }
    }

    public FleetBenchmark.Latency Summary(string kind)
    {
        var sorted = timings.GetValueOrDefault(kind)?.Order().ToArray() ?? [];
        return new(sorted.Length, LinkBenchmark.Percentile(sorted, 0.5), LinkBenchmark.Percentile(sorted, 0.95), sorted.Length > 0 ? sorted[^1] : double.NaN);
    }

    private async Task GetAsync(string path, string kind)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync(); // the whole body, as the page parses it
            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Interlocked.Increment(ref errors); }
        Record(kind, Stopwatch.GetElapsedTime(start));
    }

    private void Record(string kind, TimeSpan elapsed) => timings.GetOrAdd(kind, _ => []).Add(elapsed.TotalMilliseconds);
}
