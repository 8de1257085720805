using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SetGan.Agent.Link;
using SetGan.Core.Link;
using SetGan.Hub;
using SetGan.Core.Hosting;

namespace SetGan.Bench;

/// <summary>
/// `setgan-bench link`: the embedded hub under load, measured in one run on one machine. Devices are
/// the agent's own DeviceClient (TLS, SAS, QoS 1 with PUBACK), in this process so one clock times each
/// message from the device's send to the hub's stored-and-announced event.
/// </summary>
public static class LinkBenchmark
{
    public sealed record Telemetry(int Devices, int Messages, int BodyBytes, double Seconds, double MessagesPerSecond, double P50Ms, double P99Ms, double MaxMs, double CpuMicrosPerMessage);
    public sealed record Images(int Count, int Bytes, double Seconds, double BytesPerSecond);

    public static async Task<Telemetry> TelemetryAsync(EmbeddedHub hub, int devices, int perDevice, int inFlight, string prefix)
    {
        var clients = await ConnectAsync(hub, devices, prefix);
        byte[] body = PowerBody();
        var latencies = new ConcurrentBag<double>();
        var sent = new ConcurrentDictionary<string, long>();
        int received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnTelemetry(TelemetryEvent e)
        {
            if (e.MessageId is { } mid && sent.TryRemove(mid, out long at)) latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            if (Interlocked.Increment(ref received) == devices * perDevice) all.TrySetResult();
        }
        hub.TelemetryReceived += OnTelemetry;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select((client, d) => Task.Run(async () =>
        {
            // A device keeps a few messages in flight, as MQTT allows, rather than waiting for each PUBACK in turn.
            using var window = new SemaphoreSlim(inFlight);
            var pending = new List<Task>();
            for (int i = 0; i < perDevice; i++)
            {
                await window.WaitAsync();
                string mid = $"{prefix}-{d}-{i}";
                sent[mid] = Stopwatch.GetTimestamp();
                pending.Add(client.SendTelemetryAsync([new(MessageProperties.MessageId, mid), new(MessageProperties.Kind, MessageProperties.PowerKind)], body, CancellationToken.None)
                    .ContinueWith(_ => window.Release(), TaskScheduler.Default));
            }
            await Task.WhenAll(pending);
        })));
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        double seconds = clock.Elapsed.TotalSeconds;
        // CPU time (devices and hub together) is steadier than wall-clock rates on a shared machine: a second view of the same run.
        double cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / (devices * perDevice);
        hub.TelemetryReceived -= OnTelemetry;
        foreach (var c in clients) await c.DisposeAsync();
        var sorted = latencies.Order().ToArray();
        return new Telemetry(devices, devices * perDevice, body.Length, seconds, devices * perDevice / seconds, Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted[^1], cpuMicros);
    }

    public static async Task<Images> ImagesAsync(EmbeddedHub hub, int count, int bytes)
    {
        var client = (await ConnectAsync(hub, 1, "camera"))[0];
        var random = new Random(1);
        int done = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.ImageReceived += _ => { if (Interlocked.Increment(ref done) == count) all.TrySetResult(); };
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            var png = new byte[bytes];
            random.NextBytes(png);
            string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
            int chunks = ImageChunks.Count(bytes), c = 0;
            foreach (var chunk in ImageChunks.Split(png))
            {
                var header = new ImageChunkHeader($"img-{i}", c, chunks, bytes, sha, 8, i, DateTimeOffset.UtcNow, 0.1, 0.5, true);
                await client.SendTelemetryAsync(header.Properties().Append(new(MessageProperties.MessageId, $"img-{i}-{c}")), chunk, CancellationToken.None);
                c++;
            }
        }
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        double seconds = clock.Elapsed.TotalSeconds;
        await client.DisposeAsync();
        return new Images(count, bytes, seconds, (double)count * bytes / seconds);
    }

    /// <summary>Seconds from a desired k change at the hub to the agent reporting it runs that k (a real agent process).</summary>
    public static async Task<IReadOnlyList<double>> BudgetToKAsync(EmbeddedHub hub, string package, string publicKey, string dataDir, int changes)
    {
        hub.Devices.Add("pi-bench");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"), "--device", "pi-bench", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219",
                     "--package", package, "--public-key", publicKey, "--data", dataDir, "--link", "local", "--connection-string", hub.ConnectionString("pi-bench"),
                     "--Agent:ImagesPerMinute", "60", "--Agent:ProfileNewPackages", "false"])
            info.ArgumentList.Add(a);
        using var agent = Process.Start(info)!;
        agent.OutputDataReceived += (_, _) => { };
        agent.ErrorDataReceived += (_, _) => { };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var reported = new ConcurrentQueue<(long At, JsonObject Doc)>();
        hub.ReportedChanged += (id, doc) => { if (id == "pi-bench") reported.Enqueue((Stopwatch.GetTimestamp(), doc)); };
        var deadline = Stopwatch.StartNew();
        while (hub.Twins.Get("pi-bench").Reported[TwinProperties.ActiveK] is null)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(1) || agent.HasExited) throw new InvalidOperationException("the agent did not report within a minute");
            await Task.Delay(20);
        }
        var seconds = new List<double>();
        for (int i = 0; i < changes; i++)
        {
            int k = i % 2;
            long start = Stopwatch.GetTimestamp();
            long version = await hub.UpdateDesiredAsync("pi-bench", new JsonObject { ["k"] = k, ["budget"] = new JsonObject { ["watts"] = 3.0 + i * 0.01, ["imagesPerMinute"] = 60 } });
            while (true)
            {
                if (reported.TryDequeue(out var r) && r.Doc[TwinProperties.DesiredVersion]?.GetValue<long>() == version && r.Doc[TwinProperties.ActiveK]?.GetValue<int>() == k)
                {
                    seconds.Add(Stopwatch.GetElapsedTime(start, r.At).TotalSeconds);
                    break;
                }
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(30)) throw new InvalidOperationException($"change {i} was not applied within 30 s");
                await Task.Delay(1);
            }
        }
        ProcessStop.Interrupt(agent);
        await agent.WaitForExitAsync();
        return seconds;
    }

    private static async Task<List<DeviceClient>> ConnectAsync(EmbeddedHub hub, int count, string prefix)
    {
        var clients = new List<DeviceClient>();
        for (int d = 0; d < count; d++)
        {
            string id = DeviceId(prefix, d);
            hub.Devices.Add(id);
            clients.Add(await ConnectDeviceAsync(hub, id, CancellationToken.None));
        }
        return clients;
    }

    internal static string DeviceId(string prefix, int d) => $"{prefix}-{d.ToString("D3", CultureInfo.InvariantCulture)}";

    /// <summary>One registered device connected as the agent connects: its own DeviceClient, TLS, a SAS token, QoS 1.</summary>
    internal static async Task<DeviceClient> ConnectDeviceAsync(EmbeddedHub hub, string id, CancellationToken ct)
    {
        var client = new DeviceClient(DeviceConnectionString.Parse(hub.ConnectionString(id)), LinkModes.Local, Serilog.Core.Logger.None);
        try
        {
            await client.ConnectAsync(TimeSpan.FromHours(1), ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>A power batch as the agent sends one: 20 samples (a tenth of a second at 200 Hz).</summary>
    private static byte[] PowerBody() => new PowerBatch("bench", "emulated ina219", true, DateTimeOffset.UtcNow, 0,
        Enumerable.Range(0, 20).Select(i => new PowerBatch.Row(i * 0.005, 5.1, 0.6, 3.06)).ToList()).Encode();

    /// <summary>A power batch of <paramref name="samples"/> rows <paramref name="step"/> seconds apart from <paramref name="from"/>, varying a little as a real sensor's do.</summary>
    internal static byte[] PowerBody(string device, DateTimeOffset from, int samples, double step) => new PowerBatch(device, "emulated ina219", true, from, 0,
        Enumerable.Range(0, samples).Select(i => new PowerBatch.Row(i * step, 5.1 - 0.001 * (i % 7), 0.6 + 0.01 * (i % 5), (5.1 - 0.001 * (i % 7)) * (0.6 + 0.01 * (i % 5)))).ToList()).Encode();

    internal static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
