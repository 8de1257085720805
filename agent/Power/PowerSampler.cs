using System.Diagnostics;
using Serilog;

namespace SetGan.Agent.Power;

/// <summary>A stretch of time without readings because the sensor failed, and why.</summary>
public sealed record SensorGap(DateTimeOffset From, DateTimeOffset? To, string Reason);

/// <summary>
/// Reads one sensor on its own thread at a fixed rate (capped at what the sensor allows) and keeps
/// the recent samples for energy integration. A sensor fault starts a gap, logged once as a warning
/// with the reason, and ends when readings come back; the loop never stops for a fault and never
/// fills a gap with a made-up number.
/// </summary>
public sealed class PowerSampler : IDisposable
{
    private readonly IPowerSensor sensor;
    private readonly ILogger log;
    private readonly TimeProvider time;
    private readonly TimeSpan period;
    private readonly SampleRing samples;
    private readonly List<SensorGap> gaps = [];
    private readonly object gate = new();
    private readonly CancellationTokenSource stop = new();
    private Thread? thread;
    private long reads;

    /// <summary>How long readings are kept for energy integration by default: longer than any window the agent integrates over (an idle measurement, a profile batch, an image, a power batch at the default period).</summary>
    public static readonly TimeSpan DefaultKeep = TimeSpan.FromMinutes(1);

    /// <param name="keep">How long readings are kept for <see cref="Energy"/>; windows reaching further back see only what is kept, and say so in their covered time.</param>
    public PowerSampler(IPowerSensor sensor, double rateHz, ILogger log, TimeProvider? time = null, TimeSpan? keep = null)
    {
        if (!(rateHz > 0)) throw new ArgumentOutOfRangeException(nameof(rateHz), "the sampling rate must be positive");
        this.sensor = sensor;
        this.log = log.ForContext("Sensor", sensor.Name);
        this.time = time ?? TimeProvider.System;
        Rate = Math.Min(rateHz, sensor.MaxRate);
        samples = new SampleRing(Math.Max(2, (int)Math.Ceiling(Rate * (keep ?? DefaultKeep).TotalSeconds)));
        period = TimeSpan.FromSeconds(1 / Rate);
        if (Rate < rateHz) this.log.Warning("Sampling {Sensor} at {Rate} Hz, its maximum, instead of {Requested} Hz", sensor.Name, Rate, rateHz);
    }

    public double Rate { get; }
    public IPowerSensor Sensor => sensor;

    /// <summary>Raised on the sampling thread for every new sample (the outbox and the power log listen).</summary>
    public event Action<PowerSample>? Sampled;

    public IReadOnlyList<SensorGap> Gaps { get { lock (gate) return gaps.ToList(); } }

    public void Start()
    {
        if (thread is not null) throw new InvalidOperationException("the sampler is already running");
        thread = new Thread(Loop) { IsBackground = true, Name = "setgan-power", Priority = ThreadPriority.AboveNormal };
        thread.Start();
    }

    /// <summary>Takes one reading now; the loop calls this, and tests drive it directly.</summary>
    public void SampleOnce()
    {
        var now = time.GetUtcNow();
        PowerSample? sample;
        try
        {
            sample = sensor.Read(now);
            Interlocked.Increment(ref reads);
        }
        catch (PowerSensorException e)
        {
            lock (gate)
            {
                if (gaps.Count == 0 || gaps[^1].To is not null)
                {
                    gaps.Add(new SensorGap(now, null, e.Message));
                    log.Warning("Power sensor fault, readings stop until it answers again: {Reason}", e.Message);
                }
            }
            return;
        }
        if (sample is null) return;
        lock (gate)
        {
            if (gaps.Count > 0 && gaps[^1].To is null)
            {
                gaps[^1] = gaps[^1] with { To = now };
                log.Warning("Power sensor answers again after a gap of {Seconds:F3} s", (now - gaps[^1].From).TotalSeconds);
            }
            samples.Add(sample);
        }
        Sampled?.Invoke(sample);
    }

    /// <summary>The samples between two times (inclusive), oldest first.</summary>
    public IReadOnlyList<PowerSample> Between(DateTimeOffset from, DateTimeOffset to)
    {
        lock (gate) return samples.Between(from, to);
    }

    /// <summary>Energy between two times, leaving out the stretches of sensor faults.</summary>
    public EnergyReading Energy(DateTimeOffset from, DateTimeOffset to) => EnergyIntegrator.Integrate(Between(from, to), from, to, Gaps);

    public long Reads => Interlocked.Read(ref reads);

    private void Loop()
    {
        long next = Stopwatch.GetTimestamp();
        long step = (long)(period.TotalSeconds * Stopwatch.Frequency);
        while (!stop.IsCancellationRequested)
        {
            SampleOnce();
            next += step;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait < -step) next = Stopwatch.GetTimestamp(); // fell behind (a slow read): do not burst to catch up
            else if (wait > 0)
            {
                // Never spin: spinning for exact periods cost the generator 30 % of its images at 1000 Hz
                // (docs/benchmarks.md). Short periods sleep to the exact time where the OS allows it (Linux),
                // otherwise for the shortest step Thread.Sleep takes (about 1.06 ms); long ones wait on the stop
                // signal so a stop is not held up. The rate achieved is measured and reported, never assumed.
                double ms = wait * 1000.0 / Stopwatch.Frequency;
                if (period.TotalMilliseconds >= 2) stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(ms));
                else if (MonotonicSleep.Available) MonotonicSleep.Until(next);
                else Thread.Sleep(1);
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread?.Join();
        sensor.Dispose();
        stop.Dispose();
    }
}
