using System.Text.Json;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Bench;

/// <summary>`setgan-bench modes`: sequential vs parallel (untuned and tuned) vs progressive vs parallel + early stop, side by side in one run.</summary>
internal static class ModesMain
{
    private const string EarlyStopAt = "parallel+early-stop@";

    private static int MinIterations(string variant) =>
        int.TryParse(variant[EarlyStopAt.Length..], System.Globalization.CultureInfo.InvariantCulture, out int m) && m > 0
            ? m : throw new ArgumentException($"--variants: '{variant}' needs a positive whole number of iterations after '@'");

    public static int Run(Args options, RgbImage image)
    {
        if (options.ProjectSize is { } size) return Project(options, image, size);
        int cores = options.Threads;
        var quick = TrainingSettings.Quick with
        {
            Iterations = options.Iterations, MaxSize = options.Sizes[0], Threads = cores, Compute = ComputePrecisions.Parse(options.Compute, "cpu"),
            Seed = options.Seed,
        };
        Console.WriteLine($"modes: {options.Image} at {quick.MaxSize} px, {quick.Iterations} iterations per scale, {cores} cores, compute {quick.Compute.Name()}, seed {quick.Seed}, {options.Samples} samples per k for SWD");

        var variants = new (string Name, TrainingSettings Settings, bool Publish)[]
        {
            ("sequential", quick with { Mode = TrainingMode.Sequential }, false),
            // The paper's plain parallel mode first: the pure-parallelism figure below is taken from it.
            ("parallel-untuned", quick with { Mode = TrainingMode.Parallel, ChainTuneSteps = 0, HandOver = false }, false),
            // Tuned on the chain but on the real image below throughout: what hand-over adds is the difference to "parallel".
            ("parallel-no-handover", quick with { Mode = TrainingMode.Parallel, HandOver = false }, false),
            ("parallel", quick with { Mode = TrainingMode.Parallel }, false),
            ("progressive", quick with { Mode = TrainingMode.Progressive }, true),
            ("parallel+early-stop", quick with { Mode = TrainingMode.Parallel, EarlyStop = EarlyStopSettings.For(quick.Iterations) }, false),
            // Scales that follow the scale below on a lane start from its weights, as in SinGAN.
            ("parallel-warm", quick with { Mode = TrainingMode.Parallel, WarmStart = true }, false),
            ("parallel+early-stop-warm", quick with { Mode = TrainingMode.Parallel, EarlyStop = EarlyStopSettings.For(quick.Iterations), WarmStart = true }, false),
        };
        if (options.Variants is { } chosen)
        {
            // Sequential stays first: every ratio is against it. parallel+early-stop@M sets the minimum iterations (the quality dial).
            var dial = chosen.Where(v => v.StartsWith(EarlyStopAt, StringComparison.Ordinal)).Select(v =>
                (v, quick with { Mode = TrainingMode.Parallel, EarlyStop = new EarlyStopSettings(MinIterations: MinIterations(v)) }, false)).ToArray();
            if (chosen.Except(dial.Select(d => d.v)).FirstOrDefault(v => !variants.Any(x => x.Name == v)) is { } unknown)
                throw new ArgumentException($"--variants: unknown '{unknown}'; choose from {string.Join(", ", variants.Select(v => v.Name))}, or {EarlyStopAt}M (M: minimum iterations)");
            variants = [.. variants.Where(v => v.Name == "sequential" || chosen.Contains(v.Name)), .. dial];
        }
        var serial = ModesBenchmark.MeasureSerialWork(image, quick, iterations: 3, cores);
        var perIteration = serial.PerIteration;
        double serialWork = perIteration.Sum(), finest = perIteration[^1];
        double ceiling = Math.Min(cores, serialWork / finest);
        Console.WriteLine($"one thread, SETGAN iteration per scale (s): {string.Join(" ", perIteration.Select(t => t.ToString("F3")))}");
        Console.WriteLine($"finest scale = {finest / serialWork:P0} of the work: pure-parallel ceiling min({cores}, {serialWork / finest:F2}) = {ceiling:F2}x");
        Console.WriteLine($"{cores} copies of the finest scale side by side, one thread each: {serial.SideBySide:F3} s per iteration against {finest:F3} s alone, " +
                          $"a lane keeps {serial.LaneEfficiency:P0} of a lone thread's speed");

        string work = Directory.CreateTempSubdirectory("setgan-modes-").FullName;
        var (privateKey, _) = PackageSigning.NewKeyPair(Path.Combine(work, "keys"));
        var publisher = new Lazy<ProgressivePublisher>(() => new ProgressivePublisher(Path.Combine(work, "packages"), File.ReadAllText(privateKey)));
        var results = new List<ModesBenchmark.Result>();
        foreach (var (name, settings, publish) in variants)
        {
            Console.Write($"{name}: training... ");
            var result = ModesBenchmark.Run(new ModesBenchmark.Variant(name, settings), image, work, options.Samples, publish ? publisher.Value : null);
            results.Add(result);
            Console.WriteLine($"{result.Seconds:F0} s, {result.Spans.Sum(s => s.Iterations)} iterations");
        }

        var baseline = results[0];
        int n = baseline.Quality.Count - 1;
        Console.WriteLine();
        Console.WriteLine($"{"mode",-20} {"wall s",7} {"speedup",8} {"k=N-1 at",9} {"k=N at",7} {"N-1/seq",8} {"SSIM N",7} {"dSSIM",7} {"SWD N",7} {"dSWD",7} {"iters",6}");
        foreach (var r in results)
        {
            var q = r.Quality[^1];
            Console.WriteLine($"{r.Name,-20} {r.Seconds,7:F0} {baseline.Seconds / r.Seconds,7:F2}x {r.UsableAt[^2],9:F0} {r.UsableAt[^1],7:F0} {r.UsableAt[^2] / baseline.Seconds,8:P0} " +
                              $"{q.Ssim,7:F3} {q.Ssim / baseline.Quality[^1].Ssim - 1,7:P1} {q.Swd,7:F4} {q.Swd / baseline.Quality[^1].Swd - 1,7:P1} {r.Spans.Sum(s => s.Iterations),6}");
        }
        double serialSeconds = serialWork * quick.Iterations;
        if (results.FirstOrDefault(r => r.Name == "parallel-untuned") is { } parallel)
        {
            Console.WriteLine();
            Console.WriteLine($"pure parallelism: serial SETGAN work {serialSeconds:F0} s on one thread / parallel wall {parallel.Seconds:F0} s = {serialSeconds / parallel.Seconds:F2}x, " +
                              $"{serialSeconds / parallel.Seconds / ceiling:P0} of the ceiling {ceiling:F2}x " +
                              $"({serialSeconds / parallel.Seconds / (ceiling * serial.LaneEfficiency):P0} of {ceiling * serial.LaneEfficiency:F2}x, the ceiling at the lanes' measured speed)");
        }
        Console.WriteLine("quality per k (SSIM of the reconstruction / mean SSIM of samples / SWD of samples, all upsampled to the finest size):");
        Console.WriteLine($"{"k",3} " + string.Join(" ", results.Select(r => $"{r.Name,25}")));
        for (int k = 0; k <= n; k++)
            Console.WriteLine($"{k,3} " + string.Join(" ", results.Select(r => k < r.Quality.Count ? $"{r.Quality[k].Ssim,9:F3} /{r.Quality[k].SampleSsim,6:F3} /{r.Quality[k].Swd,7:F4}" : $"{"-",25}")));

        if (options.Json is { } json)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
            File.WriteAllText(json, JsonSerializer.Serialize(new { cores, iterations = quick.Iterations, maxSize = quick.MaxSize, seed = quick.Seed, compute = quick.Compute.Name(), perIteration, ceiling, serialSeconds, sideBySide = serial.SideBySide, laneEfficiency = serial.LaneEfficiency, results },
                new JsonSerializerOptions { WriteIndented = true }));
            string chart = Path.ChangeExtension(json, null) + "-timeline.png";
            TimelineChart.Write(results, chart);
            Console.WriteLine($"wrote {json} and {chart}");
        }
        Directory.Delete(work, recursive: true);
        return 0;
    }

    /// <summary>`modes --project 250`: the paper preset's wall-clock here for both modes, projected from measured per-scale costs.</summary>
    private static int Project(Args options, RgbImage image, int size)
    {
        int cores = options.Threads, iterations = TrainingSettings.Paper.Iterations;
        var compute = ComputePrecisions.Parse(options.Compute, "cpu");
        Console.WriteLine($"projection for the paper preset ({size} px, {iterations} iterations per scale, compute {compute.Name()}) on {cores} cores, " +
                          $"from {options.Iterations} timed iteration(s) per scale:");
        Console.WriteLine($"{"scale",5} {"size",9} {"SinGAN s/it",12} {"SETGAN 1 thread",16} {"SETGAN all",11}");
        var costs = ModesProjection.Measure(image, size, cores, options.Iterations, compute);
        foreach (var c in costs) Console.WriteLine($"{c.Scale,5} {c.Size,9} {c.Sequential,12:F3} {c.ParallelOneThread,16:F3} {c.ParallelAllThreads,11:F3}");
        double sequential = ModesProjection.Sequential(costs, iterations), parallel = ModesProjection.Parallel(costs, iterations, cores);
        Console.WriteLine($"PROJECTED: SinGAN sequential {sequential / 3600:F1} h, SETGAN parallel {parallel / 3600:F1} h: {sequential / parallel:F2}x (paper, measured on an RTX 2080Ti: 60 -> 15 min, 4x)");
        if (options.Json is { } json)
        {
            string file = Path.ChangeExtension(json, null) + "-projection.json";
            File.WriteAllText(file, JsonSerializer.Serialize(new { size, cores, iterations, compute = compute.Name(), costs, sequentialSeconds = sequential, parallelSeconds = parallel, projected = true },
                new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {file}");
        }
        return 0;
    }
}
