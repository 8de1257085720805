using SetGan.Agent.Hosting;
using System.Diagnostics;
using System.Text.RegularExpressions;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;
using SetGan.Core.Tests.Packaging;
using SetGan.Core.Hosting;

namespace SetGan.Bench;

/// <summary>
/// `setgan-bench agent`: the real setgan-agent with a full-size pyramid (SinGAN's 250 px sizes and
/// widths, random weights) generating continuously on an emulated INA219: start-up time to the first
/// image, resident memory, power samples per second, and the cost of sensing and telemetry. That cost
/// is taken from idle agents (one image at the start, then none), whose own CPU time is only sensing,
/// telemetry and the host's housekeeping: the same agent at 1 Hz unlinked is the baseline, and a
/// backlog of images put into a linked agent's outbox gives the CPU time of sending one. Compared with
/// generating runs, whose CPU per image moves by several percent between runs, these differences are
/// small numbers taken from small numbers.
/// </summary>
public static class AgentBenchmark
{
    /// <summary>
    /// One way to run the agent: as it ships (Native AOT) or on the JIT (`dotnet setgan-agent.dll`, as the tests run it),
    /// its sensing rate, streaming to a hub or not, strips of R rows (0: whole images), and generating continuously or
    /// idle after its first image, with a backlog of images put into its outbox to send. ONNX Runtime's memory is lean.
    /// </summary>
    public sealed record Setup(bool Native, double RateHz, bool Linked = false, int StripRows = AgentOptions.DefaultStripRows, bool Idle = false, int Backlog = 0)
    {
        public string Label => $"{(Native ? "native" : "JIT")}, {RateHz} Hz{(Linked ? ", streamed" : "")}, " +
                               (Idle ? $"idle{(Backlog > 0 ? $", sends {Backlog} images" : "")}" : StripRows > 0 ? $"strips of {StripRows}" : "whole images");
    }

    /// <summary>
    /// Publishes the agent as it ships, Native AOT for this machine, into DIR/native; returns the executable, or says
    /// why not (Native AOT needs clang and lld: scripts/test-tools.sh installs them).
    /// </summary>
    public static (string? Executable, string? Problem) PublishNative(string dir)
    {
        string rid = $"linux-{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", SetGan.Tests.RepoPaths.File("agent"), "-c", "Release", "-r", rid, "-o", Path.Combine(dir, "native"), "--artifacts-path", Path.Combine(dir, "build") })
            info.ArgumentList.Add(a);
        using var publish = Process.Start(info)!;
        var output = publish.StandardOutput.ReadToEndAsync();
        string errors = publish.StandardError.ReadToEnd();
        publish.WaitForExit();
        string exe = Path.Combine(dir, "native", "setgan-agent");
        if (publish.ExitCode == 0 && File.Exists(exe)) return (exe, null);
        string log = Path.Combine(dir, "..", $"{Path.GetFileName(dir)}-publish.log");
        File.WriteAllText(log, output.Result + errors);
        return (null, $"dotnet publish -r {rid} exited {publish.ExitCode} (log: {Path.GetFullPath(log)})");
    }

    /// <param name="CpuPerSecond">The agent's own CPU seconds per second of the window, all threads.</param>
    public sealed record Run(Setup Setup, double StartSeconds, double ImagesPerSecond, double CpuSecondsPerImage, double CpuPerSecond, double SamplesPerSecond, long RssKb, long PeakRssKb, int Images);

    private static int runCount;

    public static string WritePackage(string dir, int maxSize)
    {
        var sizes = PyramidGeometry.ForImage(248, 186, maxSize).Sizes;
        var (priv, _) = PackageSigning.NewKeyPair(Path.Combine(dir, "keys"));
        return TestPackages.Write(Path.Combine(dir, "package"), File.ReadAllText(priv), sizes: sizes, nfcOf: n => NetworkWidth.Nfc(n));
    }

    /// <param name="connectionString">With a hub's connection string the agent streams power and images to it as it runs (the telemetry cost).</param>
    /// <param name="native">The Native AOT executable, for the setups that run as the agent ships.</param>
    public static Run Measure(string dir, string package, Setup setup, TimeSpan window, int round, string? connectionString, string? native)
    {
        // A fresh data folder per run: an idle agent must not find another run's images (it would start its window at
        // once, in the middle of its start-up) or its outbox (it would send what that run left).
        string data = Path.Combine(dir, $"data-{round}-{Interlocked.Increment(ref runCount)}");
        string Invariant(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(setup.Native ? native ?? throw new ArgumentException("no native agent", nameof(native)) : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!setup.Native) info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"));
        foreach (var a in new[]
        {
            "--device", "bench", "--profile", "x86-dev-box", "--sensor", "emulated-ina219",
            "--rate", Invariant(setup.RateHz), "--package", package, "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"),
            "--data", data, "--Agent:ImagesPerMinute", setup.Idle ? "0.001" : "0", "--Agent:OrtStripRows", Invariant(setup.StripRows),
        }) info.ArgumentList.Add(a);
        if (connectionString is not null)
            foreach (var a in new[] { "--link", "local", "--connection-string", connectionString, "--Agent:ProfileNewPackages", "false" }) info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var agent = Process.Start(info)!;
        var lines = new List<string>();
        agent.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        string images = Path.Combine(data, "images");
        while (!(Directory.Exists(images) && Directory.GetFiles(images).Length > 0))
        {
            if (agent.HasExited || clock.Elapsed > TimeSpan.FromMinutes(3)) throw new InvalidOperationException($"the agent made no image:\n{string.Join('\n', lines)}");
            Thread.Sleep(5);
        }
        double start = clock.Elapsed.TotalSeconds;
        int before = Directory.GetFiles(images).Length;
        var from = clock.Elapsed;
        double cpuFrom = CpuSeconds(agent.Id);
        if (setup.Backlog > 0) AddImageBacklog(data, Directory.GetFiles(images)[0], setup.Backlog);
        Thread.Sleep(window);
        int made = Directory.GetFiles(images).Length - before;
        double cpu = CpuSeconds(agent.Id) - cpuFrom;
        double seconds = (clock.Elapsed - from).TotalSeconds;
        var (rss, peak) = Memory(agent.Id);
        long unsent = setup.Backlog > 0 ? WaitingImages(data) : 0;
        ProcessStop.Interrupt(agent);
        agent.WaitForExit();
        if (unsent > 0) throw new InvalidOperationException($"{setup.Label}: {unsent} of the {setup.Backlog} images were still waiting after {window.TotalSeconds:F0} s");
        // Each power log line (one per batch period) says over how many seconds it took how many samples.
        var periods = lines.Select(l => Regex.Match(l, @"over ([\d.]+) s \((\d+) samples")).Where(m => m.Success)
            .Select(m => (Seconds: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Samples: int.Parse(m.Groups[2].Value))).Skip(1).ToList(); // the first starts mid-start-up
        double samplesPerSecond = periods.Sum(p => p.Seconds) > 0 ? periods.Sum(p => p.Samples) / periods.Sum(p => p.Seconds) : double.NaN;
        return new Run(setup, start, made / seconds, made > 0 ? cpu / made : double.NaN, cpu / seconds, samplesPerSecond, rss, peak, made);
    }

    /// <summary>Puts <paramref name="count"/> copies of an image the agent made into its outbox, as its generation service would, from this process.</summary>
    private static void AddImageBacklog(string data, string png, int count)
    {
        var message = new SetGan.Agent.Outbox.ImageMessage("bench", 8, 0, DateTimeOffset.UtcNow, 0.5, 1.0, true, File.ReadAllBytes(png));
        byte[] body = message.Encode();
        using var outbox = new SetGan.Agent.Outbox.Outbox(Path.Combine(data, "outbox.db"), long.MaxValue / 2, Serilog.Core.Logger.None);
        for (int i = 0; i < count; i++) outbox.Enqueue(SetGan.Agent.Outbox.Outbox.Image, body, message.Time);
    }

    private static long WaitingImages(string data)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "outbox.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM messages WHERE kind = 'image'";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>The agent process's user and system CPU time so far, all threads (/proc/PID/stat, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    private static (long Rss, long Peak) Memory(int pid)
    {
        long Field(string name) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(name + ":")).Select(l => long.Parse(Regex.Match(l, @"\d+").Value)).FirstOrDefault();
        return (Field("VmRSS"), Field("VmHWM"));
    }
}
