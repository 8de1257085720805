using Serilog;
using SetGan.Agent.Power;
using SetGan.Core.Energy;

namespace SetGan.Agent.Tests.Power;

public class EnergyTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static PowerSample At(double seconds, double watts, bool estimated = false) => new(T0.AddSeconds(seconds), 5, watts / 5, watts, "test", estimated);

    [Fact]
    public void Trapezoids_integrate_a_ramp_exactly()
    {
        // 0 W to 10 W over 2 s, sampled every 0.1 s: 10 J.
        var ramp = Enumerable.Range(0, 21).Select(i => At(i * 0.1, i * 0.5)).ToList();
        var energy = EnergyIntegrator.Integrate(ramp, T0, T0.AddSeconds(2), []);

        energy.Joules.ShouldBe(10.0, 1e-9);
        energy.Gaps.ShouldBe(TimeSpan.Zero);
        energy.AverageWatts.ShouldBe(5.0, 1e-9);
    }

    [Fact]
    public void A_gap_is_left_out_and_reported_not_filled_in()
    {
        // 2 W throughout, but the sensor failed between 1.2 s and 2.8 s.
        var samples = new[] { 0.0, 0.5, 1.0, 3.0, 3.5, 4.0 }.Select(t => At(t, 2)).ToList();
        var fault = new SensorGap(T0.AddSeconds(1.2), T0.AddSeconds(2.8), "no answer");
        var energy = EnergyIntegrator.Integrate(samples, T0, T0.AddSeconds(4), [fault]);

        energy.Joules.ShouldBe(4.0, 1e-9); // 2 W x 2 s covered
        energy.Covered.ShouldBe(TimeSpan.FromSeconds(2));
        energy.Gaps.ShouldBe(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Estimated_samples_make_the_reading_estimated()
    {
        EnergyIntegrator.Integrate([At(0, 1, estimated: true), At(1, 1, estimated: true)], T0, T0.AddSeconds(1), []).Estimated.ShouldBeTrue();
    }

    [Fact]
    public void Late_samples_without_a_fault_are_interpolated_not_dropped()
    {
        var samples = new[] { 0.0, 0.1, 0.9, 1.0 }.Select(t => At(t, 4)).ToList();
        EnergyIntegrator.Integrate(samples, T0, T0.AddSeconds(1), []).Joules.ShouldBe(4.0, 1e-9);
    }

    [Fact]
    public void The_cpu_time_model_is_idle_power_plus_busy_share_of_full_load_and_says_it_is_an_estimate()
    {
        var profile = DeviceProfiles.Load("raspberry-pi-4", RepoPaths.File("device-profiles"));
        var cpu = TimeSpan.Zero;
        using var model = new CpuTimeModel(profile, () => cpu);

        model.Read(T0).ShouldBeNull();
        cpu = TimeSpan.FromSeconds(2); // 2 of 4 cores busy for 1 s
        var sample = model.Read(T0.AddSeconds(1))!;

        sample.Watts.ShouldBe(profile.IdleWatts.Value + 0.5 * model.FullLoadDynamicWatts, 1e-9);
        sample.Estimated.ShouldBeTrue();
        model.IsEstimate.ShouldBeTrue();
    }

    [Fact]
    public void The_sampler_marks_a_fault_as_a_gap_logs_it_once_and_carries_on()
    {
        var sensor = new ScriptedSensor();
        var time = new ManualTime(T0);
        var log = new CollectingSink();
        using var sampler = new PowerSampler(sensor, 10, new LoggerConfiguration().WriteTo.Sink(log).CreateLogger(), time);

        for (int i = 0; i < 30; i++)
        {
            sensor.Failing = i is >= 10 and < 20;
            sampler.SampleOnce();
            time.Advance(TimeSpan.FromSeconds(0.1));
        }

        sampler.Gaps.Count.ShouldBe(1);
        sampler.Gaps[0].From.ShouldBe(T0.AddSeconds(1));
        sampler.Gaps[0].To.ShouldBe(T0.AddSeconds(2));
        sampler.Gaps[0].Reason.ShouldContain("no answer");
        log.Warnings.Count(w => w.Contains("fault")).ShouldBe(1);
        log.Warnings.ShouldContain(w => w.Contains("answers again"));
        var energy = sampler.Energy(T0, T0.AddSeconds(2.9));
        energy.Samples.ShouldBe(20);
        energy.Joules.ShouldBe(3.0 * 1.8, 1e-9); // 3 W over the 1.8 s with readings on both sides and no fault between
    }

    [Fact]
    public void The_sampler_keeps_the_newest_readings_for_its_keep_time_in_order()
    {
        // 5,000 readings at 1 kHz through a store kept for 3 s (3,000 readings): it wraps and drops the oldest.
        var sensor = new ScriptedSensor();
        var time = new ManualTime(T0);
        using var sampler = new PowerSampler(sensor, 1000, Serilog.Core.Logger.None, time, keep: TimeSpan.FromSeconds(3));
        for (int i = 0; i < 5000; i++)
        {
            sampler.SampleOnce();
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var kept = sampler.Between(T0, T0.AddSeconds(10));
        kept.Count.ShouldBe(3000);
        kept[0].Time.ShouldBe(T0.AddMilliseconds(2000));
        kept[^1].Time.ShouldBe(T0.AddMilliseconds(4999));
        kept.Zip(kept.Skip(1)).ShouldAllBe(p => p.Second.Time - p.First.Time == TimeSpan.FromMilliseconds(1));
        kept.ShouldAllBe(s => s.Volts == 5 && s.Amps == 0.6 && s.Watts == 3 && s.Source == "scripted" && !s.Estimated);
        sampler.Between(T0.AddMilliseconds(4000), T0.AddMilliseconds(4010)).Count.ShouldBe(11); // both ends inclusive
    }

    [Fact]
    public void The_sampler_thread_reads_on_its_own_and_stops_when_disposed()
    {
        // How fast it keeps up is the benchmark's question; here: it runs, raises Sampled, and stops.
        var sensor = new ScriptedSensor();
        var sampler = new PowerSampler(sensor, 200, Serilog.Core.Logger.None);
        int seen = 0;
        sampler.Sampled += _ => Interlocked.Increment(ref seen);
        sampler.Start();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sampler.Reads < 5 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        sampler.Dispose();
        long after = sampler.Reads;

        after.ShouldBeGreaterThanOrEqualTo(5);
        Volatile.Read(ref seen).ShouldBe((int)after);
        Thread.Sleep(50);
        sampler.Reads.ShouldBe(after);
    }

    [Fact]
    public void Rates_above_what_the_sensor_allows_are_capped()
    {
        using var sampler = new PowerSampler(new ScriptedSensor { Max = 50 }, 1000, Serilog.Core.Logger.None);
        sampler.Rate.ShouldBe(50);
    }

    private sealed class ScriptedSensor : IPowerSensor
    {
        public bool Failing { get; set; }
        public double Max { get; init; } = 1000;
        public string Name => "scripted";
        public bool IsEstimate => false;
        public double MaxRate => Max;
        public PowerSample? Read(DateTimeOffset now) => Failing ? throw new PowerSensorException("scripted: no answer") : new PowerSample(now, 5, 0.6, 3, Name);
        public void Dispose() { }
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;
        public void Advance(TimeSpan by) => now += by;
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class CollectingSink : Serilog.Core.ILogEventSink
    {
        public List<string> Warnings { get; } = [];
        public void Emit(Serilog.Events.LogEvent e)
        {
            if (e.Level == Serilog.Events.LogEventLevel.Warning) lock (Warnings) Warnings.Add(e.RenderMessage());
        }
    }
}
