using System.Diagnostics;
using System.Text.Json;
using SetGan.Core.Pyramid;

namespace SetGan.Bench;

/// <summary>
/// bench/singan_peer.py (the SinGAN iteration in PyTorch) as a child process that runs iterations
/// on request, so the benchmark can alternate it with our trainer and both see the same load.
/// </summary>
public sealed class SinGanPeer : IDisposable
{
    public const string Python = "/usr/bin/python3";
    private readonly Process process;

    private SinGanPeer(Process process) => this.process = process;

    /// <summary>Why the peer cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists(Python)) return $"{Python} not found";
        int code = RunOnce(["-c", "import torch"], out _, out string error);
        return code == 0 ? null : $"PyTorch is not importable by {Python} (apt-get install python3-torch): {error.Trim().Split('\n').LastOrDefault()}";
    }

    public static string Version()
    {
        RunOnce(["-c", "import torch; print(torch.__version__, 'mkldnn' if torch.backends.mkldnn.is_available() else 'no-mkldnn')"], out string output, out _);
        return output.Trim();
    }

    public static SinGanPeer Start(IReadOnlyList<ScaleSize> sizes, int threads)
    {
        var spec = JsonSerializer.Serialize(new
        {
            sizes = sizes.Select(s => new[] { s.Height, s.Width }),
            nfc = Enumerable.Range(0, sizes.Count).Select(n => NetworkWidth.Nfc(n)),
            threads,
        });
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Script());
        info.ArgumentList.Add(spec);
        return new SinGanPeer(Process.Start(info)!);
    }

    /// <summary>Runs <paramref name="iterations"/> iterations at scale n; seconds of each.</summary>
    public double[] Run(int scale, int iterations)
    {
        process.StandardInput.WriteLine(JsonSerializer.Serialize(new { scale, iterations }));
        process.StandardInput.Flush();
        string line = process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the PyTorch peer stopped (exit code {(process.HasExited ? process.ExitCode : -1)})");
        return JsonDocument.Parse(line).RootElement.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    public void Dispose()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(10_000)) process.Kill();
        process.Dispose();
    }

    /// <summary>bench/singan_peer.py, found by walking up from the working folder or the program to SetGan.sln.</summary>
    private static string Script()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "SetGan.sln"))) return Path.Combine(d.FullName, "bench", "singan_peer.py");
        throw new FileNotFoundException("bench/singan_peer.py not found: run the benchmark inside the SetGan repository");
    }

    private static int RunOnce(string[] args, out string output, out string error)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        error = stderr.Result;
        return p.ExitCode;
    }
}
