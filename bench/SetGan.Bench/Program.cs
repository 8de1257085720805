using System.Text.Json;
using SetGan.Bench;
using SetGan.Core.Imaging;
using static TorchSharp.torch;

// setgan-bench training [--sizes 128,250] [--iterations N] [--warmup N] [--threads N] [--image PATH] [--json PATH]
// Prints seconds per iteration per scale, the conv GFLOP/s achieved, its ratio to this machine's
// matmul rate measured in the same run, and the ratio to the original SinGAN's reference figures.
var options = Args.Parse(args);
if (options.Command != "training")
{
    Console.Error.WriteLine("usage: setgan-bench training [--sizes 128,250] [--iterations 5] [--warmup 1] [--threads 2] [--image samples/balloons.png] [--json bench/results/training.json]");
    return 2;
}
set_num_threads(options.Threads);
var image = ImageFile.Load(options.Image);
Console.WriteLine($"libtorch threads: {get_num_threads()}, cores: {Environment.ProcessorCount}, image: {options.Image} ({image})");
double before = TrainingBenchmark.MatmulGFlops();
Console.WriteLine($"matmul 1024x1024 float32: {before:F1} GFLOP/s");

var rows = new List<TrainingBenchmark.ScaleRow>();
foreach (int size in options.Sizes)
{
    Console.WriteLine();
    Console.WriteLine($"max size {size}: {options.Iterations} timed iterations per scale after {options.Warmup} warm-up (median)");
    Console.WriteLine($"{"scale",5} {"size",9} {"nfc",4} {"s/iter",8} {"GFLOP/it",9} {"GFLOP/s",8} {"vs mm",6} {"SinGAN s/it",11} {"speedup",8}");
    rows.AddRange(TrainingBenchmark.Run(image, size, options.Iterations, options.Warmup, r =>
        Console.WriteLine($"{r.Scale,5} {r.Size,9} {r.Nfc,4} {r.SecondsPerIteration,8:F3} {r.GFlopPerIteration,9:F2} {r.GFlops,8:F1} {r.GFlops / before,6:P0} " +
                          $"{(r.SinGanSecondsPerIteration is { } s ? s.ToString("F3") : "-"),11} {(r.SinGanSecondsPerIteration is { } t ? (t / r.SecondsPerIteration).ToString("F2") + "x" : "-"),8}")));
    var mine = rows.Where(r => r.MaxSize == size).ToList();
    double total = mine.Sum(r => r.SecondsPerIteration);
    double? reference = mine.All(r => r.SinGanSecondsPerIteration is not null) ? mine.Sum(r => r.SinGanSecondsPerIteration!.Value) : null;
    double flopRate = mine.Sum(r => r.GFlopPerIteration) / total;
    Console.WriteLine($"total {total:F2} s per iteration over all scales; conv {flopRate:F1} GFLOP/s = {flopRate / before:P0} of matmul" +
                      (reference is { } rt ? $"; SinGAN reference {rt:F2} s -> {rt / total:F2}x" : ""));
}
double after = TrainingBenchmark.MatmulGFlops();
Console.WriteLine();
Console.WriteLine($"matmul again at the end: {after:F1} GFLOP/s (drift {after / before - 1:P0})");
if (options.Json is { } json)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
    File.WriteAllText(json, JsonSerializer.Serialize(new { matmulGFlops = new[] { before, after }, threads = get_num_threads(), rows }, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {json}");
}
return 0;

internal sealed record Args(string Command, int[] Sizes, int Iterations, int Warmup, int Threads, string Image, string? Json)
{
    public static Args Parse(string[] args)
    {
        string Value(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        return new Args(args.FirstOrDefault() ?? "", Value("--sizes", "128,250").Split(',').Select(int.Parse).ToArray(),
            int.Parse(Value("--iterations", "5")), int.Parse(Value("--warmup", "1")), int.Parse(Value("--threads", Environment.ProcessorCount.ToString())),
            Value("--image", "samples/balloons.png"), Args.OptionalJson(args, Value("--json", "bench/results/training.json")));
    }

    private static string? OptionalJson(string[] args, string json) => args.Contains("--no-json") ? null : json;
}
