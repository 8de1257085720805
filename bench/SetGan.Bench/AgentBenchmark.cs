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
/// image, resident memory, power samples per second, and the cost of sensing, taken by running the
/// same agent at the asked rate and at 1 Hz alternately in one run and comparing images per second.
/// </summary>
public static class AgentBenchmark
{
    public sealed record Run(bool LeanMemory, bool Linked, int StripRows, double RateHz, double StartSeconds, double ImagesPerSecond, double SamplesPerSecond, long RssKb, long PeakRssKb, int Images);

    public static string WritePackage(string dir, int maxSize)
    {
        var sizes = PyramidGeometry.ForImage(248, 186, maxSize).Sizes;
        var (priv, _) = PackageSigning.NewKeyPair(Path.Combine(dir, "keys"));
        return TestPackages.Write(Path.Combine(dir, "package"), File.ReadAllText(priv), sizes: sizes, nfcOf: n => NetworkWidth.Nfc(n));
    }

    /// <param name="connectionString">With a hub's connection string the agent streams power and images to it as it runs (the telemetry cost).</param>
    public static Run Measure(string dir, string package, double rateHz, bool leanMemory, TimeSpan window, int round, string? connectionString = null, int stripRows = 0)
    {
        string data = Path.Combine(dir, $"data-{rateHz}-{leanMemory}-{connectionString is not null}-{stripRows}-{round}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"), "--device", "bench", "--profile", "x86-dev-box", "--sensor", "emulated-ina219",
            "--rate", rateHz.ToString(System.Globalization.CultureInfo.InvariantCulture), "--package", package, "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"),
            "--data", data, "--Agent:ImagesPerMinute", "0", "--Agent:PowerBatchSeconds", "1", "--Agent:OrtLeanMemory", leanMemory ? "true" : "false", "--Agent:OrtStripRows", stripRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
        Thread.Sleep(window);
        int made = Directory.GetFiles(images).Length - before;
        double seconds = (clock.Elapsed - from).TotalSeconds;
        var (rss, peak) = Memory(agent.Id);
        ProcessStop.Interrupt(agent);
        agent.WaitForExit();
        // Each power log line (one per 1 s batch) says how many samples the batch held.
        var counts = lines.Select(l => Regex.Match(l, @"\((\d+) samples")).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        double samplesPerSecond = counts.Count > 1 ? counts.Skip(1).Average() : double.NaN; // the first batch starts mid-start-up
        return new Run(leanMemory, connectionString is not null, stripRows, rateHz, start, made / seconds, samplesPerSecond, rss, peak, made);
    }

    private static (long Rss, long Peak) Memory(int pid)
    {
        long Field(string name) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(name + ":")).Select(l => long.Parse(Regex.Match(l, @"\d+").Value)).FirstOrDefault();
        return (Field("VmRSS"), Field("VmHWM"));
    }
}
