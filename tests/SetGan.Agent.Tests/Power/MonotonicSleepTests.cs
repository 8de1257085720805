using System.Diagnostics;
using SetGan.Agent.Power;

namespace SetGan.Agent.Tests.Power;

public class MonotonicSleepTests
{
    [Fact]
    public void Sleeps_until_the_stopwatch_time_asked_never_before_it()
    {
        MonotonicSleep.Available.ShouldBe(OperatingSystem.IsLinux(), "Linux's Stopwatch reads CLOCK_MONOTONIC in nanoseconds");
        if (!MonotonicSleep.Available) return;

        // Absolute deadlines a few periods apart, as the sampler's loop sets them: each wake is at or after its deadline.
        long step = Stopwatch.Frequency / 1000, deadline = Stopwatch.GetTimestamp();
        for (int i = 0; i < 20; i++)
        {
            deadline += step;
            MonotonicSleep.Until(deadline);
            Stopwatch.GetTimestamp().ShouldBeGreaterThanOrEqualTo(deadline);
        }
        // A deadline already past returns at once instead of sleeping a whole period.
        var before = Stopwatch.GetTimestamp();
        MonotonicSleep.Until(before - 10 * step);
        Stopwatch.GetElapsedTime(before).ShouldBeLessThan(TimeSpan.FromSeconds(1));
    }
}
