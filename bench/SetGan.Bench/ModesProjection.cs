using System.Diagnostics;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Bench;

/// <summary>
/// A projection, not a measurement: the paper preset's wall-clock on this machine for SinGAN and for
/// SETGAN's lanes, from seconds per iteration measured for every scale at the paper's size (a few
/// iterations each) times the preset's iterations, with the parallel lanes simulated.
/// </summary>
public static class ModesProjection
{
    public sealed record ScaleCost(int Scale, string Size, double Sequential, double ParallelOneThread, double ParallelAllThreads);

    /// <summary>Seconds per iteration of each scale: SinGAN's (fed by the scales below, all threads) and SETGAN's (one thread and all threads).</summary>
    public static List<ScaleCost> Measure(RgbImage image, int maxSize, int cores, int timed, ComputePrecision compute)
    {
        var settings = TrainingSettings.Paper with { MaxSize = maxSize, Iterations = timed + 1, Compute = compute };
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, maxSize);
        var reals = PyramidTrainer.RealPyramid(image, geometry);
        var lower = new List<TrainedScale>();
        var result = new List<ScaleCost>();
        for (int n = 0; n < geometry.ScaleCount; n++)
        {
            using var real = TorchImages.ToTensor(reals[n], CPU);
            using var realBelow = n > 0 ? TorchImages.ToTensor(reals[n - 1], CPU) : null;
            set_num_threads(cores);
            double sequential = Time(ScaleJob.Sequential(n, real, lower, geometry.Sizes, settings, CPU), n, settings);
            set_num_threads(1);
            double one = Time(ScaleJob.Parallel(n, real, realBelow, geometry.Sizes, settings, CPU, null), n, settings);
            set_num_threads(cores);
            double all = Time(ScaleJob.Parallel(n, real, realBelow, geometry.Sizes, settings, CPU, null), n, settings);
            result.Add(new ScaleCost(n, geometry.Sizes[n].ToString(), sequential, one, all));
            // An untrained generator costs the same to run as a trained one: it feeds the next scale's SinGAN step.
            var (G, D) = ScaleRun.Networks(n, settings, CPU, ScaleRun.Random(n, settings));
            D.Dispose();
            TrainedPyramid.Freeze(G);
            lower.Add(new TrainedScale(n, geometry.Sizes[n], NetworkWidth.Nfc(n), G, 0.1, zeros(1, 3, geometry.Sizes[n].Height, geometry.Sizes[n].Width)));
        }
        foreach (var s in lower) s.Dispose();
        return result;
    }

    private static double Time(ScaleJob job, int n, TrainingSettings settings)
    {
        var (G, D) = ScaleRun.Networks(n, settings, CPU, ScaleRun.Random(n, settings));
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        using (job.Below) ScaleTrainer.Train(job, G, D, _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); }, CancellationToken.None);
        G.Dispose();
        D.Dispose();
        return times.Skip(1).Average();
    }

    /// <summary>SinGAN: every scale after the other with all threads.</summary>
    public static double Sequential(IReadOnlyList<ScaleCost> costs, int iterations) => costs.Sum(c => c.Sequential) * iterations;

    /// <summary>
    /// SETGAN: the lanes of <see cref="LaneSchedule"/>, one thread each, the spare cores going to the
    /// lane with the most work left (which then runs at its all-threads speed), simulated event by event.
    /// </summary>
    public static double Parallel(IReadOnlyList<ScaleCost> costs, int iterations, int cores)
    {
        var lanes = LaneSchedule.Plan(costs.ToDictionary(c => c.Scale, c => c.ParallelOneThread * iterations), cores);
        var queue = lanes.Select(l => new Queue<int>(l.Scales)).ToArray();
        var left = lanes.Select(l => l.Scales.Count > 0 ? (double)iterations : 0).ToArray(); // iterations left of the current scale
        double time = 0;
        while (true)
        {
            var active = Enumerable.Range(0, lanes.Count).Where(i => queue[i].Count > 0).ToList();
            if (active.Count == 0) return time;
            double Remaining(int i) => queue[i].Skip(1).Sum(s => costs[s].ParallelOneThread * iterations) + left[i] * costs[queue[i].Peek()].ParallelOneThread;
            int busiest = active.MaxBy(Remaining);
            bool boosted = cores > active.Count;
            double Rate(int i) => 1.0 / (i == busiest && boosted ? costs[queue[i].Peek()].ParallelAllThreads : costs[queue[i].Peek()].ParallelOneThread);
            double step = active.Min(i => left[i] / Rate(i));
            time += step;
            foreach (int i in active)
            {
                left[i] -= step * Rate(i);
                if (left[i] <= 1e-9)
                {
                    queue[i].Dequeue();
                    left[i] = queue[i].Count > 0 ? iterations : 0;
                }
            }
        }
    }
}
