using System.Diagnostics;
using SetGan.Core.Onnx;
using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Bench;

/// <summary>
/// Milliseconds per sample for every truncation k, ONNX Runtime against TorchSharp eager on the
/// same weights in the same run, with the forward FLOPs, the rate against matmul and model bytes.
/// Untrained weights: the cost of a forward does not depend on their values.
/// </summary>
public static class InferenceBenchmark
{
    public sealed record Row(int K, string Size, double OrtMs, double TorchMs, double GFlopPerSample, double OrtGFlops, long ModelBytes,
        double Int8Ms, long Int8Bytes);

    public static List<Row> Run(IReadOnlyList<ScaleSize> sizes, int repeats, int threads, Action<Row> report)
    {
        var scales = new List<TrainedScale>();
        var onnx = new List<OnnxGenerator>();
        var bytes = new List<long>();
        var models = new List<Onnx.ModelProto>();
        for (int n = 0; n < sizes.Count; n++)
        {
            manual_seed(n);
            int nfc = NetworkWidth.Nfc(n);
            var G = new Generator(nfc);
            TrainedPyramid.Freeze(G);
            var scale = new TrainedScale(n, sizes[n], nfc, G, n == 0 ? 1.0 : 0.1, zeros(1, 3, sizes[n].Height, sizes[n].Width));
            scales.Add(scale);
            models.Add(GeneratorOnnx.Build(GeneratorExport.Weights(scale)));
            byte[] model = GeneratorOnnx.ToBytes(models[^1]);
            bytes.Add(model.Length);
            onnx.Add(new OnnxGenerator(model, n, threads));
        }
        // `setgan export --precision int8`: the same graphs, body convs quantized with ranges from 8 random samples.
        var int8Models = Int8Calibration.Quantize(models, sizes, zOpt: null).Select(GeneratorOnnx.ToBytes).ToList();
        var int8 = int8Models.Select((m, n) => new OnnxGenerator(m, n, threads)).ToList();
        var rows = new List<Row>();
        var random = new Random(1);
        for (int k = 0; k < sizes.Count; k++)
        {
            var noise = Enumerable.Range(0, k + 1).Select(n => RandomNoise(random, sizes[n])).ToList();
            double Chain(List<OnnxGenerator> generators) => Median(repeats, () =>
            {
                float[]? previous = null;
                for (int n = 0; n <= k; n++) previous = generators[n].Run(noise[n], sizes[n], previous, n == 0 ? default : sizes[n - 1]);
            });
            double ort = Chain(onnx);
            double int8Ms = Chain(int8);
            var upTo = scales.Take(k + 1).ToList();
            var truncated = sizes.Take(k + 1).ToList();
            double torchMs = Median(repeats, () => { using var _ = PyramidSampler.Run(upTo, truncated, NoiseMode.Random, CPU); });
            double flops = GeneratorFlops.Truncation(sizes, k) / 1e9;
            var row = new Row(k, sizes[k].ToString(), ort, torchMs, flops, flops / (ort / 1000), bytes.Take(k + 1).Sum(),
                int8Ms, int8Models.Take(k + 1).Sum(m => (long)m.Length));
            rows.Add(row);
            report(row);
        }
        foreach (var g in onnx.Concat(int8)) g.Dispose();
        foreach (var s in scales) s.Dispose();
        return rows;
    }

    private static float[] RandomNoise(Random random, ScaleSize size)
    {
        var z = new float[3 * size.Pixels];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(random.NextDouble() * 2 - 1);
        return z;
    }

    /// <summary>Median milliseconds of <paramref name="repeats"/> runs after two warm-up runs.</summary>
    private static double Median(int repeats, Action run)
    {
        run();
        run();
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return TrainingBenchmark.Median(times);
    }
}
