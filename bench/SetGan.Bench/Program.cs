using System.Text.Json;
using SetGan.Bench;
using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using static TorchSharp.torch;

// setgan-bench: the benchmarks of docs/benchmarks.md, one subcommand each (--help lists them).
if (args.Contains("--help") || args.Contains("-h"))
{
    Usage(Console.Out);
    return 0;
}
var options = Args.Parse(args);
string? unknown = Args.Unknown(args);
if (options.Command is not ("training" or "inference" or "modes" or "agent" or "link" or "fleet") || unknown is not null)
{
    if (unknown is not null) Console.Error.WriteLine($"unknown option {unknown}");
    Usage(Console.Error);
    return 2;
}
if (options.Command == "agent") return AgentMain.Run(options);
if (options.Command == "link") return await LinkMain.RunAsync(options);
if (options.Command == "fleet") return await FleetMain.RunAsync(args, options.Json);
set_num_threads(options.Threads);
var image = ImageFile.Load(options.Image);
if (options.Command == "inference") return InferenceMain(options, image);
if (options.Command == "modes")
{
    try { return ModesMain.Run(options, image); }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"setgan-bench modes: {e.Message}");
        return 2;
    }
}
return TrainingMain.Run(options, image);

static int InferenceMain(Args options, RgbImage image)
{
    double matmul = TrainingBenchmark.MatmulGFlops();
    Console.WriteLine($"threads: {options.Threads} (ONNX Runtime intra-op and libtorch), matmul 1024x1024 float32: {matmul:F1} GFLOP/s");
    var all = new List<InferenceBenchmark.Row>();
    foreach (int size in options.Sizes)
    {
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, size);
        Console.WriteLine();
        Console.WriteLine($"max size {size}: one sample through G_0..G_k, median of {options.Repeats} after 2 warm-up");
        Console.WriteLine($"{"k",3} {"size",9} {"ORT ms",8} {"torch ms",9} {"ORT gain",9} {"GFLOP",7} {"ORT GFLOP/s",12} {"vs mm",6} {"model MB",9} {"int8 ms",8} {"int8 gain",10} {"int8 MB",8}");
        all.AddRange(InferenceBenchmark.Run(geometry.Sizes, options.Repeats, options.Threads, r =>
            Console.WriteLine($"{r.K,3} {r.Size,9} {r.OrtMs,8:F2} {r.TorchMs,9:F2} {r.TorchMs / r.OrtMs,8:F2}x {r.GFlopPerSample,7:F2} {r.OrtGFlops,12:F1} {r.OrtGFlops / matmul,6:P0} {r.ModelBytes / 1e6,9:F2} {r.Int8Ms,8:F2} {r.TorchMs / r.Int8Ms,9:F2}x {r.Int8Bytes / 1e6,8:F2}")));
    }
    if (options.Json is { } json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
        File.WriteAllText(json, JsonSerializer.Serialize(new { matmulGFlops = matmul, threads = options.Threads, rows = all }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {json}");
    }
    return 0;
}

static void Usage(TextWriter writer)
{
    writer.WriteLine("usage: setgan-bench training [--sizes 128,250] [--iterations 2] [--warmup 1] [--rounds 2] [--threads 2] [--image samples/balloons.png] [--json bench/results/training.json] [--no-peer] [--no-bf16]");
    writer.WriteLine("       setgan-bench inference [--sizes 250] [--repeats 20] [--threads 2] [--image samples/balloons.png] [--json bench/results/inference.json]");
    writer.WriteLine("       setgan-bench modes [--sizes 128] [--iterations 100] [--threads 2] [--samples 4] [--variants sequential,parallel,...] [--compute auto|float32|bf16] [--seed 1] [--image samples/balloons.png] [--json bench/results/modes.json]");
    writer.WriteLine("             variants: parallel-untuned, parallel-no-handover, parallel, progressive, parallel+early-stop, parallel-warm, parallel+early-stop-warm, parallel+early-stop@M (early stop, at least M iterations a scale)");
    writer.WriteLine("       setgan-bench agent [--sizes 250] [--rounds 2] [--json bench/results/agent.json]   (the real agent: start-up, memory, samples/s, sensing cost)");
    writer.WriteLine("       setgan-bench link [--rounds 2] [--json bench/results/link.json]   (the embedded hub: telemetry from 100 devices, image bytes/s, budget change to new k)");
    writer.WriteLine("       setgan-bench fleet [--devices 100,250,500,1000,1500] [--seconds 20] [--json bench/results/fleet.json]   (devices one fleet service holds: telemetry stored/s, dashboard latency)");
    writer.WriteLine("       setgan-bench modes --project 250 [--iterations 1] [--threads 2] [--compute auto|float32|bf16]   (projects the paper preset's wall-clock from per-scale costs)");
}

internal sealed record Args(string Command, int[] Sizes, int Iterations, int Warmup, int Rounds, int Threads, string Image, string? Json, bool Peer, int Repeats, int Samples, int? ProjectSize,
    string[]? Variants = null, bool Bf16 = true, string Compute = "auto", int Seed = 1)
{
    private static readonly string[] Options = ["--sizes", "--iterations", "--warmup", "--rounds", "--threads", "--image", "--json", "--no-json",
        "--no-peer", "--no-bf16", "--compute", "--repeats", "--samples", "--project", "--variants", "--devices", "--seconds", "--panels", "--connect-batch", "--images", "--seed"];

    /// <summary>The first option this tool does not know, so a typo is an error rather than a silently ignored flag.</summary>
    public static string? Unknown(string[] args) => args.Skip(1).FirstOrDefault(a => a.StartsWith('-') && !Options.Contains(a));

    public static Args Parse(string[] args)
    {
        string Value(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        return new Args(args.FirstOrDefault() ?? "", Value("--sizes", args.FirstOrDefault() switch { "inference" or "agent" => "250", "modes" => "128", _ => "128,250" }).Split(',').Select(int.Parse).ToArray(),
            int.Parse(Value("--iterations", args.FirstOrDefault() == "modes" ? (args.Contains("--project") ? "1" : "100") : "2")), int.Parse(Value("--warmup", "1")), int.Parse(Value("--rounds", "2")), int.Parse(Value("--threads", Environment.ProcessorCount.ToString())),
            Value("--image", "samples/balloons.png"), args.Contains("--no-json") ? null : Value("--json", $"bench/results/{args.FirstOrDefault()}.json"),
            !args.Contains("--no-peer"), int.Parse(Value("--repeats", "20")), int.Parse(Value("--samples", "4")),
            args.Contains("--project") ? int.Parse(Value("--project", "250")) : null,
            args.Contains("--variants") ? Value("--variants", "").Split(',', StringSplitOptions.RemoveEmptyEntries) : null,
            !args.Contains("--no-bf16"), Value("--compute", "auto"), int.Parse(Value("--seed", "1")));
    }
}
