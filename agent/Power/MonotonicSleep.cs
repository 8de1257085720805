using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SetGan.Agent.Power;

/// <summary>
/// Sleeps until a <see cref="Stopwatch"/> timestamp with one clock_nanosleep on CLOCK_MONOTONIC (absolute, so
/// periods do not drift), which is what Stopwatch reads on Linux. Thread.Sleep(1) rounds every wait up to whole
/// milliseconds (a 1 kHz loop ran at about 890 Hz) and goes through the runtime's wait machinery, a mutex and a
/// condition variable per reading.
/// </summary>
public static class MonotonicSleep
{
    private const int ClockMonotonic = 1, TimerAbsolute = 1;

    /// <summary>Linux, where Stopwatch timestamps are CLOCK_MONOTONIC nanoseconds; elsewhere callers use Thread.Sleep.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Returns at the timestamp, or earlier on a signal (the caller's loop checks the time anyway).</summary>
    public static void Until(long timestamp)
    {
        var request = new Timespec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
        ClockNanosleep(ClockMonotonic, TimerAbsolute, ref request, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds, Nanoseconds;
    }

    // DllImport, not LibraryImport: the generated stub needs unsafe code, and a blittable struct needs no marshalling.
    [DllImport("libc", EntryPoint = "clock_nanosleep")]
    private static extern int ClockNanosleep(int clock, int flags, ref Timespec request, IntPtr remain);
}
