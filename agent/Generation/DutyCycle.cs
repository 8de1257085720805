namespace SetGan.Agent.Generation;

/// <summary>
/// How long to idle after an image so that the average power stays within a budget: an image took
/// E joules over t seconds, the board idles at P_idle, so after a wait w the average is
/// (E + P_idle w) / (t + w) &lt;= W, i.e. w &gt;= (E - W t) / (W - P_idle). A budget at or below idle
/// power cannot be met by waiting: that is an error, not a very long sleep.
/// </summary>
public static class DutyCycle
{
    public static TimeSpan WaitFor(double imageJoules, TimeSpan imageTime, double idleWatts, double budgetWatts)
    {
        if (budgetWatts <= idleWatts)
            throw new ArgumentOutOfRangeException(nameof(budgetWatts), $"a budget of {budgetWatts:G3} W is not above the board's idle power {idleWatts:G3} W: no duty cycle can meet it");
        double wait = (imageJoules - budgetWatts * imageTime.TotalSeconds) / (budgetWatts - idleWatts);
        return wait > 0 ? TimeSpan.FromSeconds(wait) : TimeSpan.Zero;
    }
}
