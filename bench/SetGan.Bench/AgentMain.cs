using System.Text.Json;
using SetGan.Hub;
using Setup = SetGan.Bench.AgentBenchmark.Setup;

namespace SetGan.Bench;

/// <summary>`setgan-bench agent`: every agent setup alternated in each round, then the costs and savings side by side.</summary>
internal static class AgentMain
{
    public static int Run(Args options)
    {
        string dir = Directory.CreateTempSubdirectory("setgan-agent-bench-").FullName;
        string package = AgentBenchmark.WritePackage(dir, options.Sizes[0]);
        var window = TimeSpan.FromSeconds(20);
        Console.WriteLine("publishing the agent as it ships (Native AOT) ...");
        var (native, problem) = AgentBenchmark.PublishNative(dir);
        Console.WriteLine(native is null ? $"native agent: not measured ({problem})" : $"native agent: {native} ({new FileInfo(native).Length / 1e6:F1} MB)");
        // An embedded hub in this process for the runs that stream: the agent's telemetry cost is then part of what it pays.
        var hub = EmbeddedHub.StartAsync(new HubOptions { DataDir = Path.Combine(dir, "hub") }, Serilog.Core.Logger.None).GetAwaiter().GetResult();
        hub.Devices.Add("bench");
        string link = hub.ConnectionString("bench");
        // As the agent runs by default (strips of 32 rows), at 1 Hz and at 1000 Hz sensing, streamed or not; and whole images.
        Setup Slow(bool nat) => new(nat, 1);
        Setup Fast(bool nat) => new(nat, 1000);
        Setup Streamed(bool nat) => new(nat, 1000, Linked: true);
        Setup Whole(bool nat) => new(nat, 1, StripRows: 0);
        bool[] kinds = native is null ? [false] : [true, false];
        // Sensing and telemetry costs for the agent as it ships (the JIT agent only when Native AOT could not be published).
        Setup[] setups = [.. kinds.SelectMany(n => n || native is null ? new[] { Fast(n), Streamed(n), Slow(n), Whole(n) } : [Slow(n), Whole(n)])];
        Console.WriteLine($"agent: full-size pyramid ({options.Sizes[0]} px, SinGAN widths, random weights), k = N continuously, emulated INA219, " +
                          $"{window.TotalSeconds:F0} s per run, {options.Rounds} rounds of: {string.Join("; ", setups.Select(s => s.Label))}");
        Console.WriteLine($"{"setup",-44} {"start s",8} {"images/s",9} {"CPU s/img",10} {"samples/s",10} {"RSS MB",7} {"peak MB",8}");
        var runs = new List<AgentBenchmark.Run>();
        for (int round = 0; round < options.Rounds; round++)
            foreach (var setup in setups)
            {
                var r = AgentBenchmark.Measure(dir, package, setup, window, round, setup.Linked ? link : null, native);
                runs.Add(r);
                Console.WriteLine($"{setup.Label,-44} {r.StartSeconds,8:F2} {r.ImagesPerSecond,9:F2} {r.CpuSecondsPerImage,10:F3} {r.SamplesPerSecond,10:F0} {r.RssKb / 1024.0,7:F0} {r.PeakRssKb / 1024.0,8:F0}");
            }
        double Images(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.ImagesPerSecond);
        double Cpu(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.CpuSecondsPerImage);
        double Rss(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.RssKb) / 1024.0;
        double Peak(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.PeakRssKb) / 1024.0;
        // Two views of each cost: images per second lost (wall clock, which the hub on the same cores also takes from),
        // and the agent's own CPU seconds per image gained (its process only: what the device would pay).
        var costs = new[] { native is not null }.Select(n => new // the agent as it ships; the JIT one only without it
        {
            agent = n ? "native" : "JIT",
            sensing = new { images = 1 - Images(Fast(n)) / Images(Slow(n)), cpu = Cpu(Fast(n)) / Cpu(Slow(n)) - 1 },
            sensingAndTelemetry = new { images = 1 - Images(Streamed(n)) / Images(Slow(n)), cpu = Cpu(Streamed(n)) / Cpu(Slow(n)) - 1 },
        }).ToList();
        foreach (var c in costs)
        {
            Console.WriteLine($"{c.agent}: sensing at 1000 Hz: {c.sensing.images:P1} fewer images/s, {c.sensing.cpu:P1} more agent CPU per image, than at 1 Hz");
            Console.WriteLine($"{c.agent}: sensing at 1000 Hz and streaming to the hub: {c.sensingAndTelemetry.images:P1} fewer images/s (the hub shares the cores), {c.sensingAndTelemetry.cpu:P1} more agent CPU per image");
        }
        var memory = setups.Where(s => s.RateHz == 1).Select(s => new { setup = s.Label, rssMb = Rss(s), peakMb = Peak(s), imagesPerSecond = Images(s), cpuSecondsPerImage = Cpu(s) }).ToList();
        Console.WriteLine("memory at 1 Hz sensing (resident sampled after the window, and peak):");
        foreach (var m in memory)
            Console.WriteLine($"  {m.setup,-44} {m.rssMb,5:F0} MB resident, {m.peakMb,5:F0} MB peak, {m.imagesPerSecond:F2} images/s, {m.cpuSecondsPerImage:F3} CPU s/image");
        if (options.Json is { } json)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(new { maxSize = options.Sizes[0], nativeProblem = problem, runs, costs, memory },
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine($"wrote {json}");
        }
        hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
