namespace SetGan.Agent.Power;

/// <summary>One reading of the board's power: when, volts, amps, watts, and which sensor said so.</summary>
/// <param name="Estimated">True when no sensor measured it (the CPU-time model): never reported as a measurement.</param>
public sealed record PowerSample(DateTimeOffset Time, double Volts, double Amps, double Watts, string Source, bool Estimated = false);

/// <summary>A sensor that cannot give a reading now (no answer, overflow, missing file); the message says which and why.</summary>
public sealed class PowerSensorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A source of power readings. <see cref="Read"/> returns null while it has no reading yet (an
/// energy counter needs two reads) and throws <see cref="PowerSensorException"/> on a fault: a
/// sensor never makes a number up.
/// </summary>
public interface IPowerSensor : IDisposable
{
    string Name { get; }

    /// <summary>True for models (no sensor): their readings are labelled estimated everywhere.</summary>
    bool IsEstimate { get; }

    /// <summary>The fastest rate the sensor can be read at, in readings per second.</summary>
    double MaxRate { get; }

    PowerSample? Read(DateTimeOffset now);
}

/// <summary>Samples into the telemetry message that carries them.</summary>
public static class PowerSamples
{
    public static SetGan.Core.Link.PowerBatch ToBatch(this IReadOnlyList<PowerSample> samples, string device)
    {
        var from = samples[0].Time;
        return new(device, samples[0].Source, samples.Any(s => s.Estimated), from, 0,
            samples.Select(s => new SetGan.Core.Link.PowerBatch.Row(Math.Round((s.Time - from).TotalSeconds, 6), s.Volts, s.Amps, s.Watts)).ToList());
    }
}
