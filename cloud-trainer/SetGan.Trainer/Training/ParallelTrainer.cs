using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>
/// SETGAN's parallel training (section 3 of the paper): G_n learns on the upsampled real image
/// X_{n-1}, so no scale waits for another. Scales run on lanes (<see cref="LaneSchedule"/>) in this
/// process, each with its own random stream; a prefix G_0..G_k is announced as soon as every scale
/// in it is saved, which is what the progressive mode publishes and where the early exit looks.
/// Before a prefix is announced, its top scale is tuned on the reconstruction below (<see cref="ChainTuning"/>).
/// </summary>
public sealed class ParallelTrainer(TrainingSettings settings, ILogger log)
{
    public TrainingSummary Train(IReadOnlyList<RgbImage> reals, PyramidGeometry geometry, ModelDirectory dir, Device device,
        ITrainingObserver? observer, Action<int>? prefixReady, CancellationToken cancel)
    {
        int count = geometry.ScaleCount;
        var done = new Dictionary<int, TrainedScale>();
        for (int n = 0; n < count; n++)
            if (dir.HasScale(n)) done[n] = TrainedPyramid.LoadScale(dir, n, device);
        var toTrain = Enumerable.Range(0, count).Where(n => !done.ContainsKey(n)).ToList();
        if (done.Count > 0) log.Information("Resuming: scales {Done} are already trained", string.Join(", ", done.Keys.Order()));

        int cores = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        var realTensors = reals.Select(r => TorchImages.ToTensor(r, device)).ToArray();
        var perIteration = IterationCosts(toTrain, cores, realTensors, geometry, device, cancel);
        var lanes = LaneSchedule.Plan(toTrain.ToDictionary(n => n, n => perIteration[n] * settings.Iterations), cores,
            settings.Mode == TrainingMode.Progressive ? LanePlan.PrefixFirst : settings.EarlyStop is not null ? LanePlan.FinestAlone : LanePlan.Balanced);
        log.Information("Parallel training on {Cores} cores: {Lanes}", cores, string.Join(" | ", lanes.Select(l => $"lane {l.Id}: scales {string.Join(",", l.Scales)}")));
        var broker = new CoreBroker(lanes, cores);

        var randoms = toTrain.ToDictionary(n => n, n => ScaleRun.Random(n, settings));
        var networks = toTrain.ToDictionary(n => n, n => ScaleRun.Networks(n, settings, device, randoms[n]));
        using var exit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var gate = new object();
        int published = -1;
        string? earlyExit = null;
        int? lastScale = null;

        void Completed(TrainedScale scale)
        {
            lock (gate)
            {
                done[scale.Scale] = scale;
                while (earlyExit is null && done.ContainsKey(published + 1))
                {
                    int k = ++published;
                    TuneOnChain(k);
                    if (settings.SsimTarget is { } target)
                    {
                        double ssim = EarlyExit.Ssim(Prefix(k + 1), reals[^1], device);
                        var (reached, reason) = EarlyExit.Check(k, ssim, target, count);
                        log.Information("Early exit check: {Reason}", reason);
                        if (reached && k < count - 1) { earlyExit = reason; lastScale = k; exit.Cancel(); }
                    }
                    prefixReady?.Invoke(k);
                }
            }
        }
        // G_k is tuned on the reconstruction of G_0..G_{k-1}, all final already: the prefix grows in order.
        void TuneOnChain(int k)
        {
            if (k == 0 || settings.ChainTuneSteps == 0) return;
            var record = dir.ReadScale(k);
            if (record.ChainTune is not null) return; // resumed: tuned before the interruption
            if (record.HandedOverAt == 0)
            {
                // It trained on this very chain from its first iteration, as SinGAN's G_k does: it knows its input already, and
                // tuning the reconstruction alone made its random samples worse (docs/benchmarks.md, "chain tuning after the hand-over").
                log.Information("Scale {Scale} trained on the chain below from its first iteration: not tuned", k);
                return;
            }
            var tune = ChainTuning.Tune(done[k], Prefix(k), realTensors[k], settings, device);
            dir.ReplaceGenerator(record with { ChainTune = tune }, done[k].G);
            log.Information("Scale {Scale} tuned on the reconstruction from below: rec {Before:F4} -> {After:F4} in {Steps} steps, {Seconds:F1} s",
                k, tune.RecBefore, tune.RecAfter, tune.Steps, tune.Seconds);
            MixedPrecisionGuard.WarnIfRedone(log, k, tune.RedoneInFloat32, "chain-tuning steps");
        }
        foreach (var n in done.Keys.ToList()) Completed(done[n]);

        // Hand-over: G_n reads G_0..G_{n-1} once they are published, that is frozen, tuned, and never written again.
        // Asked before every iteration: the common answer needs no lock, so a lane does not wait while another tunes or publishes.
        ScaleConditioning? ChainBelow(int n)
        {
            if (Volatile.Read(ref published) < n - 1) return null;
            lock (gate)
                return published < n - 1 ? null : ScaleConditioning.OnGenerated.Below(n, Prefix(n), geometry.Sizes, device, settings.Compute.LayerType());
        }
        // G_0..G_{count-1}, for the early exit, the chain tuning and the hand-over; call under the gate.
        List<TrainedScale> Prefix(int count) => Enumerable.Range(0, count).Select(i => done[i]).ToList();

        var failures = new List<Exception>();
        var threads = lanes.Select(lane => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < lane.Scales.Count; i++)
                {
                    int n = lane.Scales[i];
                    exit.Token.ThrowIfCancellationRequested();
                    var (G, D) = networks[n];
                    var random = randoms[n];
                    var job = ScaleJob.Parallel(n, realTensors[n], n > 0 ? realTensors[n - 1] : null, geometry.Sizes, settings, device, random,
                        settings.HandOver ? () => ChainBelow(n) : null) with
                    {
                        ThreadsWanted = () => broker.Threads(lane.Id),
                        Worked = () => broker.Worked(lane.Id, perIteration[n]),
                    };
                    observer?.ScaleStarted(n, geometry.Sizes[n], NetworkWidth.Nfc(n, settings.NfcInit), resumed: false);
                    TrainedScale trained;
                    using (job.Below) trained = ScaleRun.TrainAndSave(job, G, D, dir, observer, log, exit.Token);
                    // Before Completed: nothing can tune scale n until then, so the next scale starts from the weights as trained, whatever the timing.
                    if (i + 1 < lane.Scales.Count && WarmStarts(n, lane.Scales[i + 1]))
                    {
                        var (nextG, nextD) = networks[n + 1];
                        dir.LoadWeights(n, nextG, nextD);
                        log.Information("Scale {Next} starts from the weights of scale {Scale}, trained just before it on lane {Lane}", n + 1, n, lane.Id);
                    }
                    Completed(trained);
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                // The early exit stopped this lane: its scales are above k and not needed.
            }
            catch (Exception e)
            {
                lock (failures) failures.Add(e);
                exit.Cancel();
            }
            finally
            {
                broker.Finished(lane.Id);
            }
        }) { IsBackground = true, Name = $"setgan-lane-{lane.Id}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        foreach (var t in realTensors) t.Dispose();
        foreach (var r in randoms.Values) r.Dispose();
        foreach (var s in done.Values) s.Dispose();
        foreach (var (n, (G, D)) in networks.Where(kv => !done.ContainsKey(kv.Key))) { G.Dispose(); D.Dispose(); }
        cancel.ThrowIfCancellationRequested();
        if (failures.Count > 0) throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        if (lastScale is { } last)
            for (int n = last + 1; n < count; n++) dir.RemoveScale(n);
        return new TrainingSummary(lastScale ?? count - 1, earlyExit);
    }

    /// <summary>
    /// SinGAN's weight hand-over (<see cref="ScaleRun.TakesWeightsFromBelow"/>) is possible in the parallel modes only where scale n-1
    /// trains right before n on the same lane; the plan decides it, not the timing, so a seed still gives one pyramid per plan.
    /// </summary>
    private bool WarmStarts(int scale, int next) => settings.WarmStart && next == scale + 1 && ScaleRun.TakesWeightsFromBelow(next, settings);

    /// <summary>
    /// Relative cost of an iteration of each scale: measured (<see cref="IterationCostProbe"/>, as long as one iteration of every scale) when
    /// there is a plan to make, that is more scales than cores; otherwise every scale gets a lane and pixels x nfc^2 only
    /// ranks them for the core broker.
    /// </summary>
    private Dictionary<int, double> IterationCosts(IReadOnlyList<int> scales, int cores, IReadOnlyList<Tensor> reals, PyramidGeometry geometry, Device device,
        CancellationToken cancel)
    {
        if (cores < 2 || scales.Count <= cores)
            return scales.ToDictionary(n => n, n => NetworkWidth.ConvWork(geometry.Sizes[n], n, settings.NfcInit));
        log.Information("Measuring each scale on one thread to plan the lanes");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var measured = IterationCostProbe.Measure(reals, geometry, scales, settings with { DSteps = 1, GSteps = 1 }, device, iterations: 2, cancel);
        log.Information("Measured each scale on one thread, to plan the lanes ({Seconds:F1} s; seconds per critic + generator step): {Costs}", clock.Elapsed.TotalSeconds,
            string.Join(", ", measured.OrderBy(kv => kv.Key).Select(kv => $"scale {kv.Key} {kv.Value:F3} s")));
        return measured.ToDictionary();
    }
}

/// <summary>How a training run ended: the finest scale of the pyramid, and the early exit's reason if it cut the pyramid short.</summary>
public sealed record TrainingSummary(int FinestScale, string? EarlyExit);
