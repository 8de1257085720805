using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SetGan.Core.Hosting;

/// <summary>
/// Stops a child SetGan process as an operator's Ctrl+C or systemd's stop would: SIGINT, which every
/// SetGan program turns into a graceful stop (the agent flushes its outbox, the trainer keeps finished
/// scales), and only past a grace period a kill. One place for the demo, the benchmarks and the tests.
/// </summary>
public static class ProcessStop
{
    private const int SigInt = 2;
    private const int NoSuchProcess = 3; // ESRCH: it has exited already

    /// <summary>Sends SIGINT unless the process has exited.</summary>
    public static void Interrupt(Process process)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new PlatformNotSupportedException("stopping a child process gracefully needs POSIX signals (Linux or macOS)");
        if (process.HasExited) return;
        if (Kill(process.Id, SigInt) != 0 && Marshal.GetLastPInvokeError() is var errno and not NoSuchProcess)
            throw new InvalidOperationException($"could not interrupt process {process.Id} (errno {errno})");
    }

    /// <summary>Interrupts, waits up to <paramref name="grace"/>, then kills the whole tree; true when it stopped by itself.</summary>
    public static async Task<bool> StopAsync(Process process, TimeSpan grace)
    {
        Interrupt(process);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return false;
        }
    }

    // DllImport, not LibraryImport: the generated stub needs unsafe code, and two ints need no marshalling.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
