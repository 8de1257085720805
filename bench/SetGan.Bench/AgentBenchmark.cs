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
/// image, resident memory, power samples per second, and the cost of sensing and telemetry, taken by
/// running the same agent at 1000 Hz (streamed or not) and at 1 Hz alternately in one run and comparing
/// images per second and the agent's own CPU seconds per image.
/// </summary>
public static class AgentBenchmark
{
    /// <summary>
    /// One way to run the agent: as it ships (Native AOT) or on the JIT (`dotnet setgan-agent.dll`, as the tests run it),
    /// its sensing rate, streaming to a hub or not, and strips of R rows (0: whole images). ONNX Runtime's memory is lean.
    /// </summary>
    public sealed record Setup(bool Native, double RateHz, bool Linked = false, int StripRows = AgentOptions.DefaultStripRows)
    {
        public string Label => $"{(Native ? "native" : "JIT")}, {RateHz} Hz{(Linked ? ", streamed" : "")}, {(StripRows > 0 ? $"strips of {StripRows}" : "whole images")}";
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

    public sealed record Run(Setup Setup, double StartSeconds, double ImagesPerSecond, double CpuSecondsPerImage, double SamplesPerSecond, long RssKb, long PeakRssKb, int Images);

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
        string data = Path.Combine(dir, $"data-{setup.Native}-{setup.RateHz}-{connectionString is not null}-{setup.StripRows}-{round}");
        string Invariant(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(setup.Native ? native ?? throw new ArgumentException("no native agent", nameof(native)) : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!setup.Native) info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"));
        foreach (var a in new[]
        {
            "--device", "bench", "--profile", "x86-dev-box", "--sensor", "emulated-ina219",
            "--rate", Invariant(setup.RateHz), "--package", package, "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"),
            "--data", data, "--Agent:ImagesPerMinute", "0", "--Agent:PowerBatchSeconds", "1", "--Agent:OrtStripRows", Invariant(setup.StripRows),
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
        Thread.Sleep(window);
        int made = Directory.GetFiles(images).Length - before;
        double cpu = CpuSeconds(agent.Id) - cpuFrom;
        double seconds = (clock.Elapsed - from).TotalSeconds;
        var (rss, peak) = Memory(agent.Id);
        ProcessStop.Interrupt(agent);
        agent.WaitForExit();
        // Each power log line (one per 1 s batch) says how many samples the batch held.
        var counts = lines.Select(l => Regex.Match(l, @"\((\d+) samples")).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        double samplesPerSecond = counts.Count > 1 ? counts.Skip(1).Average() : double.NaN; // the first batch starts mid-start-up
        return new Run(setup, start, made / seconds, cpu / made, samplesPerSecond, rss, peak, made);
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
