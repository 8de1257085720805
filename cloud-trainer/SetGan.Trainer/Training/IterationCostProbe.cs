using SetGan.Core.Pyramid;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>
/// Measures what one SETGAN iteration of each scale costs on this machine, at the run's precision, on one thread:
/// the parallel modes plan their lanes on these figures. No formula holds across precisions: on the quick preset
/// (this 2-core machine) pixels x nfc^2 gives the finest scale 56 % of the work, as float32 measures, but bf16
/// measures 45 %, because bf16 shrinks the convs and not the small scales' per-op overhead. On the formula, bf16
/// gave the finest scale a lane of its own, and the other lane, with everything else, finished 22 s later.
/// </summary>
public static class IterationCostProbe
{
    /// <summary>
    /// Trains throwaway copies of <paramref name="scales"/> (the same initial weights, their own random streams) for
    /// one untimed iteration, which pays for allocations and oneDNN's kernel setup, and then
    /// <paramref name="iterations"/> timed ones; returns the mean seconds per timed iteration of each scale.
    /// </summary>
    /// <param name="reals">The real image at every scale.</param>
    /// <param name="threads">
    /// Scales probed side by side, each on a thread of its own with one libtorch thread, as the lanes then train them
    /// (sharing the memory bandwidth, as they will). 1 gives quiet single-thread figures.
    /// </param>
    public static IReadOnlyDictionary<int, double> Measure(IReadOnlyList<Tensor> reals, PyramidGeometry geometry, IEnumerable<int> scales,
        TrainingSettings settings, Device device, int iterations, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var probe = settings with { Iterations = iterations + 1, EarlyStop = null };
        // Largest first, so that the probe threads end together.
        var queue = new Queue<int>(scales.OrderByDescending(n => geometry.Sizes[n].Pixels * NetworkWidth.Nfc(n, settings.NfcInit)));
        var seconds = new Dictionary<int, double>();
        var failures = new List<Exception>();
        var workers = Enumerable.Range(0, Math.Min(threads, queue.Count)).Select(i => new Thread(() =>
        {
            set_num_threads(1);
            while (true)
            {
                int n;
                lock (queue)
                {
                    if (failures.Count > 0 || !queue.TryDequeue(out n)) return;
                }
                try
                {
                    double perIteration = Time(n, reals, geometry, probe, device);
                    lock (queue) seconds[n] = perIteration;
                }
                catch (Exception e)
                {
                    lock (queue) failures.Add(e);
                }
            }
        }) { IsBackground = true, Name = $"setgan-probe-{i}" }).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        if (failures.Count > 0) throw failures[0];
        return seconds;
    }

    private static double Time(int n, IReadOnlyList<Tensor> reals, PyramidGeometry geometry, TrainingSettings probe, Device device)
    {
        using var weights = ScaleRun.Random(n, probe);
        using var draws = ScaleRun.Random(n, probe);
        var (G, D) = ScaleRun.Networks(n, probe, device, weights);
        using (G)
        using (D)
        {
            var job = ScaleJob.Parallel(n, reals[n], n > 0 ? reals[n - 1] : null, geometry.Sizes, probe, device, draws);
            using var below = job.Below;
            var times = new List<double>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = ScaleTrainer.Train(job, G, D, _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); }, CancellationToken.None);
            outcome.ZOpt.Dispose();
            return times.Skip(1).Average(); // the first iteration pays for allocations and kernel setup
        }
    }
}
