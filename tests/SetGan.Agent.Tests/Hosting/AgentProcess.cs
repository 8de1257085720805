using System.Diagnostics;

namespace SetGan.Agent.Tests.Hosting;

/// <summary>Runs the real `setgan-agent` (built beside the tests) as a child process.</summary>
internal static class AgentProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts it with these environment variables added (SETGAN_Agent__*, IOTEDGE_DEVICEID).</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // SIGINT back to its default, in case the tests themselves were started in the background.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        foreach (var a in (string[])["--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"), .. args]) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static async Task<Result> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
