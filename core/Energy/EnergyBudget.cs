namespace SetGan.Core.Energy;

/// <summary>
/// How much energy a device may spend, in one of the three ways an operator thinks about it. Each
/// answers: may one image from truncation k, taking <c>seconds</c> and <c>joules</c>, be made?
/// </summary>
public abstract record EnergyBudget
{
    /// <summary>Null when it fits; otherwise the constraint that stops it and why.</summary>
    public abstract (Binding Binding, string Why)? Refuses(TruncationEnergy energy, double idleWatts);

    public abstract string Describe();

    /// <summary>At most <paramref name="Joules"/> per image.</summary>
    public sealed record PerImage(double Joules) : EnergyBudget
    {
        public override (Binding, string)? Refuses(TruncationEnergy e, double idleWatts) =>
            e.JoulesPerImage <= Joules ? null : (Binding.Energy, $"k = {e.K} needs {e.JoulesPerImage:G3} J per image, the budget is {Joules:G3} J");

        public override string Describe() => $"{Joules:G3} J per image";
    }

    /// <summary>
    /// An average power over time at a fixed image rate. In each period of 60 / rate seconds the board
    /// makes one image (E_k over t_k) and idles the rest, so k fits when
    /// E_k + P_idle (T - t_k) &lt;= W T and t_k &lt;= T.
    /// </summary>
    public record AveragePower(double Watts, double ImagesPerMinute) : EnergyBudget
    {
        public double PeriodSeconds => 60.0 / ImagesPerMinute;

        public override (Binding, string)? Refuses(TruncationEnergy e, double idleWatts)
        {
            double period = PeriodSeconds;
            if (e.SecondsPerImage > period)
                return (Binding.Rate, $"k = {e.K} takes {e.SecondsPerImage:G3} s per image, longer than one image every {period:G3} s");
            double average = (e.JoulesPerImage + idleWatts * (period - e.SecondsPerImage)) / period;
            return average <= Watts ? null : (Binding.Energy, $"k = {e.K} at {ImagesPerMinute:G3} images per minute averages {average:G3} W, the budget is {Watts:G3} W");
        }

        public override string Describe() => $"{Watts:G3} W average at {ImagesPerMinute:G3} images per minute";
    }

    /// <summary>A battery that must last a lifetime at a fixed image rate: its average power.</summary>
    public sealed record Battery(double WattHours, TimeSpan Lifetime, double ImagesPerMinute)
        : AveragePower(WattHours * 3600 / Lifetime.TotalSeconds, ImagesPerMinute)
    {
        public override string Describe() => $"{WattHours:G3} Wh over {Lifetime.TotalHours:G3} h at {ImagesPerMinute:G3} images per minute ({Watts:G3} W average)";
    }
}

/// <summary>Which constraint decided the choice.</summary>
public enum Binding
{
    /// <summary>Nothing: the whole pyramid fits.</summary>
    None,
    /// <summary>The next larger truncation needs more energy than the budget.</summary>
    Energy,
    /// <summary>The next larger truncation is too slow for the image rate.</summary>
    Rate,
    /// <summary>The quality floor cannot be met within the budget.</summary>
    Quality,
}
