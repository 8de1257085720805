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
        // Generating continuously (k = N): as the agent ships (strips of 32 rows) at 1 Hz, the default 100 Hz and 1000 Hz
        // sensing, streamed at 1000 Hz, and whole images; the JIT agent beside it. Then idle agents for the costs.
        bool nat = native is not null;
        const int backlog = 300;
        Setup[] generating = [new(nat, 1), new(nat, 100), new(nat, 1000), new(nat, 1000, Linked: true), new(nat, 1, StripRows: 0), .. nat ? new Setup[] { new(false, 1) } : []];
        Setup baseline = new(nat, 1, Idle: true), linkedBaseline = new(nat, 1, Linked: true, Idle: true), sending = new(nat, 1, Linked: true, Idle: true, Backlog: backlog);
        double[] rates = [100, 1000];
        Setup Sensing(double hz) => new(nat, hz, Idle: true);
        Setup Streaming(double hz) => new(nat, hz, Linked: true, Idle: true);
        Setup[] setups = [.. generating, baseline, .. rates.Select(Sensing), .. rates.Select(Streaming), linkedBaseline, sending];
        Console.WriteLine($"agent: full-size pyramid ({options.Sizes[0]} px, SinGAN widths, random weights), k = N, emulated INA219, " +
                          $"{window.TotalSeconds:F0} s per run, {options.Rounds} rounds of: {string.Join("; ", setups.Select(s => s.Label))}");
        Console.WriteLine($"{"setup",-44} {"start s",8} {"images/s",9} {"CPU s/img",10} {"CPU s/s",8} {"samples/s",10} {"RSS MB",7} {"peak MB",8}");
        var runs = new List<AgentBenchmark.Run>();
        for (int round = 0; round < options.Rounds; round++)
            foreach (var setup in setups)
            {
                var r = AgentBenchmark.Measure(dir, package, setup, window, round, setup.Linked ? link : null, native);
                runs.Add(r);
                Console.WriteLine($"{setup.Label,-44} {r.StartSeconds,8:F2} {r.ImagesPerSecond,9:F2} {r.CpuSecondsPerImage,10:F3} {r.CpuPerSecond,8:F3} {r.SamplesPerSecond,10:F0} {r.RssKb / 1024.0,7:F0} {r.PeakRssKb / 1024.0,8:F0}");
            }
        double Images(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.ImagesPerSecond);
        double Cpu(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.CpuSecondsPerImage);
        double CpuRate(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.CpuPerSecond);
        double Rss(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.RssKb) / 1024.0;
        double Peak(Setup s) => runs.Where(r => r.Setup == s).Average(r => r.PeakRssKb) / 1024.0;
        // The costs against generation: CPU seconds per second over what generating continuously takes per second
        // (1 Hz, as it ships), and the CPU of sending one image over the CPU of making one.
        var making = generating[0];
        double generationCpuRate = Cpu(making) * Images(making);
        double perImageSent = (CpuRate(sending) - CpuRate(linkedBaseline)) * window.TotalSeconds / backlog;
        double imageShare = perImageSent / Cpu(making);
        var costs = rates.Select(hz => new
        {
            rateHz = hz,
            sensing = (CpuRate(Sensing(hz)) - CpuRate(baseline)) / generationCpuRate,
            sensingAndPowerTelemetry = (CpuRate(Streaming(hz)) - CpuRate(baseline)) / generationCpuRate,
            imageTelemetry = imageShare,
            total = (CpuRate(Streaming(hz)) - CpuRate(baseline)) / generationCpuRate + imageShare,
        }).ToList();
        Console.WriteLine($"generating continuously ({making.Label}): {generationCpuRate:F3} CPU s/s, {Cpu(making):F3} CPU s/image; sending one image: {perImageSent * 1000:F2} ms CPU ({imageShare:P2} of making it)");
        foreach (var c in costs)
            Console.WriteLine($"at {c.rateHz} Hz: sensing {c.sensing:P2}, sensing and streaming power {c.sensingAndPowerTelemetry:P2}, with every image streamed too {c.total:P2} of the CPU generation takes");
        var memory = generating.Select(s => new { setup = s.Label, rssMb = Rss(s), peakMb = Peak(s), imagesPerSecond = Images(s), cpuSecondsPerImage = Cpu(s) }).ToList();
        Console.WriteLine("memory while generating (resident sampled after the window, and peak):");
        foreach (var m in memory)
            Console.WriteLine($"  {m.setup,-44} {m.rssMb,5:F0} MB resident, {m.peakMb,5:F0} MB peak, {m.imagesPerSecond:F2} images/s, {m.cpuSecondsPerImage:F3} CPU s/image");
        if (options.Json is { } json)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(new { maxSize = options.Sizes[0], nativeProblem = problem, runs, generationCpuRate, perImageSent, costs, memory },
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine($"wrote {json}");
        }
        hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
