using System.Diagnostics;
using SetGan.Core.Imaging;

namespace SetGan.Cloud.Tests;

/// <summary>Runs the real `setgan` program (built beside the tests) as a child process.</summary>
internal static class SetGanProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Process Start(params string[] args)
    {
        // A shell that runs the tests in the background starts them with SIGINT ignored, which every
        // child inherits and .NET then respects; env puts Ctrl+C back to its default for the program.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "setgan.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>
    /// Reads a started program's stdout until a line holds <paramref name="marker"/> (or it ends), draining stderr meanwhile so
    /// a chatty log can never fill its pipe and stall the program; fails with what was read after a minute instead of hanging.
    /// </summary>
    public static async Task<string> ReadUntilAsync(Process process, string marker)
    {
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var text = new System.Text.StringBuilder();
        try
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.Contains(marker)) text.AppendLine(line);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new Shouldly.ShouldAssertException($"'{marker}' did not appear on stdout within a minute; it printed:\n{text}");
        }
        return text.ToString();
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(TimeSpan.FromMinutes(5), args);

    public static async Task<Result> RunAsync(TimeSpan limit, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Trains a tiny model on the tiny balloons (2 iterations, 48 px), makes keys and exports DIR/package.</summary>
    public static async Task<string> TrainKeysAndExport(string dir)
    {
        string input = WriteTinyBalloons(dir);
        (await RunAsync("train", input, "--iterations", "2", "--max-size", "48", "--out", Path.Combine(dir, "model"))).ExitCode.ShouldBe(0);
        (await RunAsync("keys", "new", "--out", Path.Combine(dir, "keys"))).ExitCode.ShouldBe(0);
        var export = await RunAsync("export", Path.Combine(dir, "model"), "--out", Path.Combine(dir, "package"), "--key", Path.Combine(dir, "keys", "setgan-signing.key"));
        export.ExitCode.ShouldBe(0, export.Stderr);
        return Path.Combine(dir, "package");
    }

    /// <summary>Balloons shrunk to 48x36 (a four-scale pyramid at --max-size 48), written as PNG into <paramref name="dir"/>.</summary>
    public static string WriteTinyBalloons(string dir)
    {
        string path = Path.Combine(dir, "tiny.png");
        ImageFile.SavePng(ImageResize.ToSize(ImageFile.Load(RepoPaths.Balloons), 48, 36), path);
        return path;
    }
}
