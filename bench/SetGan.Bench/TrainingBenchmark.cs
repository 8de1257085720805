using System.Diagnostics;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Bench;

/// <summary>Seconds per training iteration at every scale, and the conv rate against this machine's matmul rate.</summary>
public static class TrainingBenchmark
{
    /// <param name="SecondsPerIteration">Ours in float32 (SinGAN's arithmetic).</param>
    /// <param name="Bf16SecondsPerIteration">Ours in bf16 mixed precision (--compute bf16), same weights; null where not measured.</param>
    public sealed record ScaleRow(int MaxSize, int Scale, string Size, int Nfc, double SecondsPerIteration, double GFlopPerIteration, double GFlops, double? PeerSecondsPerIteration,
        double? ReferenceSecondsPerIteration, double? Bf16SecondsPerIteration);

    // The original SinGAN code (tamarott/SinGAN, PyTorch 1.13.1 + OpenBLAS, 2 threads) on this CPU type,
    // balloons, seconds per iteration by scale, as recorded in the project's environment notes. A
    // reference from another run, printed beside the peer that this benchmark does measure.
    public static readonly IReadOnlyDictionary<int, double[]> SinGanReference = new Dictionary<int, double[]>
    {
        [250] = [0.058, 0.077, 0.131, 0.195, 0.721, 1.087, 2.000, 3.114, 17.7],
        [128] = [0.079, 0.096, 0.141, 0.217, 0.834, 1.284],
    };

    /// <summary>
    /// Per scale, <paramref name="rounds"/> alternating rounds of ours in float32, ours in bf16 (when
    /// <paramref name="bf16"/>) and the peer's (warm-up + timed iterations each); the figure is the median
    /// of all timed iterations of a side.
    /// </summary>
    public static List<ScaleRow> Run(RgbImage image, int maxSize, int iterations, int warmup, int rounds, SinGanPeer? peer, bool bf16, Action<ScaleRow> report)
    {
        var settings = TrainingSettings.Paper with { MaxSize = maxSize, Iterations = iterations + warmup };
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, maxSize);
        var reals = PyramidTrainer.RealPyramid(image, geometry);
        var rows = new List<ScaleRow>();
        var lower = new List<TrainedScale>();
        var settings16 = settings with { Compute = ComputePrecision.BFloat16 }; // its draws through the scales below are bf16 too
        for (int n = 0; n < geometry.ScaleCount; n++)
        {
            manual_seed(n);
            int nfc = NetworkWidth.Nfc(n);
            using var G = new Generator(nfc);
            using var D = new Discriminator(nfc);
            using var G16 = new Generator(nfc);
            using var D16 = new Discriminator(nfc);
            G16.load_state_dict(G.state_dict());
            D16.load_state_dict(D.state_dict());
            G16.Net.Compute = D16.Net.Compute = ScalarType.BFloat16;
            using var real = TorchImages.ToTensor(reals[n], CPU);
            var times = new List<double>();
            var bf16Times = new List<double>();
            var peerTimes = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                times.AddRange(Time(G, D, settings).Skip(warmup));
                if (bf16) bf16Times.AddRange(Time(G16, D16, settings16).Skip(warmup));
                if (peer is not null) peerTimes.AddRange(peer.Run(n, iterations + warmup).Skip(warmup));
            }

            List<double> Time(Generator g, Discriminator d, TrainingSettings run)
            {
                var roundTimes = new List<double>();
                var clock = Stopwatch.StartNew();
                ScaleTrainer.Train(ScaleJob.Sequential(n, real, lower, geometry.Sizes, run, CPU), g, d, r =>
                {
                    roundTimes.Add(clock.Elapsed.TotalSeconds);
                    clock.Restart();
                }, CancellationToken.None);
                return roundTimes;
            }

            double seconds = Median(times);
            double flops = ConvFlops.Iteration(geometry.Sizes, n) / 1e9;
            double? reference = SinGanReference.TryGetValue(maxSize, out var r) && n < r.Length ? r[n] : null;
            double? peerSeconds = peer is null ? null : Median(peerTimes);
            var row = new ScaleRow(maxSize, n, geometry.Sizes[n].ToString(), nfc, seconds, flops, flops / seconds, peerSeconds, reference, bf16 ? Median(bf16Times) : null);
            rows.Add(row);
            report(row);

            // The next scale trains against this one; its trained quality does not change the cost.
            var frozen = new Generator(nfc);
            frozen.load_state_dict(G.state_dict());
            TrainedPyramid.Freeze(frozen);
            lower.Add(new TrainedScale(n, geometry.Sizes[n], nfc, frozen, 0.1, zeros(1, 3, geometry.Sizes[n].Height, geometry.Sizes[n].Width)));
        }
        foreach (var s in lower) s.Dispose();
        return rows;
    }

    /// <summary>Dense matmul rate (GFLOP/s; float32 unless asked) with the same libtorch threads: the machine's practical peak.</summary>
    public static double MatmulGFlops(int size = 1024, int repeats = 20, ScalarType dtype = ScalarType.Float32)
    {
        using var a = randn(size, size).to(dtype);
        using var b = randn(size, size).to(dtype);
        for (int i = 0; i < 3; i++) a.mm(b).Dispose();
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            a.mm(b).Dispose();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * size / Median(times) / 1e9;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
