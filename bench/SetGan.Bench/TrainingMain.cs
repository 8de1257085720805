using System.Text.Json;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Bench;

/// <summary>
/// `setgan-bench training [--sizes 128,250] [--iterations N] [--warmup N] [--rounds N] [--threads N] [--image PATH] [--json PATH] [--no-peer] [--no-bf16]`.
/// Prints seconds per iteration per scale in float32 and in bf16 mixed precision, the conv GFLOP/s achieved,
/// its ratio to this machine's matmul rate measured in the same run, and the speed ratio to the same SinGAN
/// iteration in PyTorch (bench/singan_peer.py) measured in the same run when Debian's python3-torch is installed.
/// </summary>
internal static class TrainingMain
{
    public static int Run(Args options, RgbImage image)
    {
        Console.WriteLine($"libtorch threads: {get_num_threads()}, cores: {Environment.ProcessorCount}, image: {options.Image} ({image})");
        string? peerProblem = options.Peer ? SinGanPeer.Unavailable() : "disabled by --no-peer";
        Console.WriteLine(peerProblem is null ? $"peer: PyTorch {SinGanPeer.Version()} running bench/singan_peer.py" : $"peer: not measured ({peerProblem})");
        string? bf16Problem = !options.Bf16 ? "disabled by --no-bf16"
            : !ComputePrecisions.CpuHasBf16Units() ? "this CPU has no bf16 matrix instructions (amx_bf16, avx512_bf16): libtorch would emulate them" : null;
        Console.WriteLine(bf16Problem is null ? "bf16: mixed precision measured beside float32 (same weights)" : $"bf16: not measured ({bf16Problem})");
        double before = TrainingBenchmark.MatmulGFlops();
        double beforeBf16 = TrainingBenchmark.MatmulGFlops(dtype: ScalarType.BFloat16);
        Console.WriteLine($"matmul 1024x1024: float32 {before:F1} GFLOP/s, bf16 {beforeBf16:F1} GFLOP/s");

        var rows = new List<TrainingBenchmark.ScaleRow>();
        foreach (int size in options.Sizes)
        {
            var geometry = PyramidGeometry.ForImage(image.Width, image.Height, size);
            using var peer = peerProblem is null ? SinGanPeer.Start(geometry.Sizes, options.Threads) : null;
            Console.WriteLine();
            Console.WriteLine($"max size {size}: {options.Rounds} alternating rounds per scale of {options.Warmup} warm-up + {options.Iterations} timed iterations (median of the timed)");
            Console.WriteLine($"{"scale",5} {"size",9} {"nfc",4} {"s/iter",8} {"GFLOP/it",9} {"GFLOP/s",8} {"vs mm",6} {"bf16 s/it",9} {"bf16 gain",9} {"peer s/it",9} {"speedup",8} {"ref s/it",9} {"bf16/ref",8}");
            rows.AddRange(TrainingBenchmark.Run(image, size, options.Iterations, options.Warmup, options.Rounds, peer, bf16Problem is null, r =>
                Console.WriteLine($"{r.Scale,5} {r.Size,9} {r.Nfc,4} {r.SecondsPerIteration,8:F3} {r.GFlopPerIteration,9:F2} {r.GFlops,8:F1} {r.GFlops / before,6:P0} " +
                                  $"{Format(r.Bf16SecondsPerIteration, "F3"),9} {Format(r.SecondsPerIteration / r.Bf16SecondsPerIteration, "F2", "x"),9} " +
                                  $"{Format(r.PeerSecondsPerIteration, "F3"),9} {Format(r.PeerSecondsPerIteration / r.SecondsPerIteration, "F2", "x"),8} {Format(r.ReferenceSecondsPerIteration, "F3"),9} " +
                                  $"{Format(r.ReferenceSecondsPerIteration / r.Bf16SecondsPerIteration, "F2", "x"),8}")));
            var mine = rows.Where(r => r.MaxSize == size).ToList();
            double total = mine.Sum(r => r.SecondsPerIteration);
            double flopRate = mine.Sum(r => r.GFlopPerIteration) / total;
            string Total(Func<TrainingBenchmark.ScaleRow, double?> pick, string name, double against) =>
                mine.All(r => pick(r) is not null) ? $"; {name} {mine.Sum(r => pick(r)!.Value):F2} s -> {mine.Sum(r => pick(r)!.Value) / against:F2}x" : "";
            Console.WriteLine($"float32: {total:F2} s per iteration over all scales; conv {flopRate:F1} GFLOP/s = {flopRate / before:P0} of matmul" +
                              Total(r => r.PeerSecondsPerIteration, "PyTorch peer", total) + Total(r => r.ReferenceSecondsPerIteration, "SinGAN reference", total));
            if (mine.All(r => r.Bf16SecondsPerIteration is not null))
            {
                double bf16 = mine.Sum(r => r.Bf16SecondsPerIteration!.Value);
                double bf16Rate = mine.Sum(r => r.GFlopPerIteration) / bf16;
                Console.WriteLine($"bf16:    {bf16:F2} s per iteration ({total / bf16:F2}x float32); conv {bf16Rate:F1} GFLOP/s = {bf16Rate / beforeBf16:P0} of bf16 matmul" +
                                  Total(r => r.PeerSecondsPerIteration, "PyTorch peer", bf16) + Total(r => r.ReferenceSecondsPerIteration, "SinGAN reference", bf16));
            }
        }
        double after = TrainingBenchmark.MatmulGFlops();
        Console.WriteLine();
        Console.WriteLine($"float32 matmul again at the end: {after:F1} GFLOP/s (drift {after / before - 1:P0})");
        if (options.Json is { } json)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                matmulGFlops = new[] { before, after }, bf16MatmulGFlops = beforeBf16, threads = get_num_threads(),
                peer = peerProblem ?? SinGanPeer.Version(), bf16 = bf16Problem ?? "measured", rows,
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }

    private static string Format(double? value, string format, string suffix = "") => value is { } v ? v.ToString(format) + suffix : "-";
}
