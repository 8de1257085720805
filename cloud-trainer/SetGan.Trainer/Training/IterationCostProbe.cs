using SetGan.Core.Pyramid;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>
/// Measures what one SETGAN iteration of each scale costs on this machine, at the run's precision, on one thread:
/// the parallel modes plan their lanes on these figures. No formula holds across precisions: on the quick preset
/// (this 2-core machine) pixels x nfc^2 gives the finest scale 56 % of the work, as float32 measures, but bf16
/// measures 39-45 %, because bf16 shrinks the convs and not the small scales' per-op overhead. On the formula, bf16
/// gave the finest scale a lane of its own, and the other lane, with everything else, finished 22 s later.
/// </summary>
/// <remarks>
/// One scale at a time, on one thread, while the other cores wait. Probing the scales side by side took as long and
/// was too noisy to plan on: a lone timed iteration beside another scale's first one (allocations, oneDNN's kernel
/// setup) came out up to 1.8x its quiet figure, and four runs made four different plans.
/// </remarks>
public static class IterationCostProbe
{
    /// <summary>
    /// Trains throwaway copies of <paramref name="scales"/> (the same initial weights, their own random streams) for
    /// one untimed iteration, which pays for allocations and oneDNN's kernel setup, and then
    /// <paramref name="iterations"/> timed ones; returns the mean seconds per timed iteration of each scale.
    /// </summary>
    /// <param name="reals">The real image at every scale.</param>
    /// <param name="settings">
    /// The run's settings. A plan only needs the costs relative to each other, and every critic or generator step
    /// of a scale costs the same, so a planner can pass one step of each (a third of the time).
    /// </param>
    public static IReadOnlyDictionary<int, double> Measure(IReadOnlyList<Tensor> reals, PyramidGeometry geometry, IEnumerable<int> scales,
        TrainingSettings settings, Device device, int iterations, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var probe = settings with { Iterations = iterations + 1, EarlyStop = null };
        var seconds = new Dictionary<int, double>();
        Exception? failure = null;
        // A thread of its own: libtorch's thread count is per thread, and the caller's stays as it was.
        var worker = new Thread(() =>
        {
            try
            {
                set_num_threads(1);
                foreach (int n in scales) seconds[n] = Time(n, reals, geometry, probe, device, cancel);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "setgan-probe" };
        worker.Start();
        worker.Join();
        if (failure is not null) throw failure;
        return seconds;
    }

    private static double Time(int n, IReadOnlyList<Tensor> reals, PyramidGeometry geometry, TrainingSettings probe, Device device, CancellationToken cancel)
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
            var outcome = ScaleTrainer.Train(job, G, D, _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); }, cancel);
            outcome.ZOpt.Dispose();
            return times.Skip(1).Average(); // the first iteration pays for allocations and kernel setup
        }
    }
}
