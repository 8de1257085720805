using System.CommandLine;
using SetGan.Core.Packaging;
using SetGan.Trainer.Training;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan train IMAGE --preset quick|paper --out DIR`.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "The training image (PNG or JPEG; transparency is flattened onto white)." };
        var preset = new Option<string>("--preset") { Description = "quick: 128 px, 100 iterations per scale, minutes on a CPU. paper: SinGAN's recipe (250 px, 2000 iterations), for a GPU server.", DefaultValueFactory = _ => "quick" };
        preset.AcceptOnlyFromAmong("quick", "paper");
        var iterations = new Option<int?>("--iterations") { Description = "Iterations per scale (each is 3 critic + 3 generator steps); overrides the preset." };
        var maxSize = new Option<int?>("--max-size") { Description = "Longest side of the finest scale in pixels; overrides the preset." };
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed and settings give the same noise draws.", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "cpu, or cuda on a server with a CUDA build of libtorch (untested here).", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var compute = new Option<string>("--compute")
        {
            Description = "What the layers compute in. bf16: mixed precision (bf16 convs on the CPU's matrix units, float32 weights, losses and Adam), " +
                "about 1.35x faster per iteration where the CPU has AMX-BF16 or AVX512-BF16 (docs/benchmarks.md). float32: SinGAN's arithmetic. auto: bf16 where those units exist.",
            DefaultValueFactory = _ => "auto",
        };
        compute.AcceptOnlyFromAmong("auto", "float32", "bf16");
        var output = new Option<string>("--out") { Description = "Model folder to create. Training writes OUT.partial first; rerunning the same command after an interruption resumes at the first unfinished scale.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing OUT (or a partial run with other settings)." };
        var mode = new Option<string>("--mode")
        {
            Description = "sequential: SinGAN, scale after scale, each fed the generated image from below. parallel: SETGAN, every scale fed the " +
                "upsampled real image from below, all scales at once on the available cores. progressive: parallel, and each new usable " +
                "truncation G_0..G_k is exported as a signed package the moment it exists (--publish).",
            DefaultValueFactory = _ => "sequential",
        };
        mode.AcceptOnlyFromAmong("sequential", "parallel", "progressive");
        var earlyStop = new Option<bool>("--early-stop") { Description = "End a scale when its reconstruction loss stops improving (the lr step comes forward, then a quarter more iterations)." };
        var minIterations = new Option<int?>("--min-iterations") { Description = $"With --early-stop: never stop a scale before this many iterations (default: a quarter of --iterations, at least {EarlyStopSettings.Floor})." };
        var ssimTarget = new Option<double?>("--ssim-target") { Description = "Early exit: stop adding scales once the reconstruction of G_0..G_k reaches this SSIM against the real image (0..1)." };
        var chainTune = new Option<int>("--chain-tune")
        {
            Description = "parallel/progressive: Adam steps that tune each G_n on the generated reconstruction from below once G_0..G_n " +
                "are trained, so quality grows with k as in SinGAN (0 = off; with --handover false, the paper's plain parallel mode).",
            DefaultValueFactory = _ => TrainingSettings.Quick.ChainTuneSteps,
        };
        var handOver = new Option<bool>("--handover")
        {
            Description = "parallel/progressive (ours, on by default): each G_n trains on the real image from below only until G_0..G_{n-1} are " +
                "final, then on their random samples as in SinGAN, so it learns to make objects out of the blobs below instead of only refining a " +
                "real image (docs/benchmarks.md). A scale on another lane switches part way, at a point that depends on timing, so only --threads 1 " +
                "runs are bit-for-bit reproducible. --handover false with --chain-tune 0 is the paper's plain parallel mode.",
            DefaultValueFactory = _ => TrainingSettings.Quick.HandOver,
        };
        var warmStart = new Option<bool>("--warm-start")
        {
            Description = "parallel/progressive (ours): a scale trained right after the scale below on the same lane starts from its trained " +
                "weights when the width is the same, as SinGAN hands weights over; otherwise every scale starts from fresh weights.",
            DefaultValueFactory = _ => TrainingSettings.Quick.WarmStart,
        };
        var publish = new Option<string?>("--publish") { Description = "progressive: folder for the packages (kK/ per usable k) and events.jsonl; default OUT-packages." };
        var key = new Option<string>("--key") { Description = "progressive: the private signing key for the packages.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PrivateKeyFile) };
        var precision = new Option<ModelPrecision>("--precision")
        {
            Description = "progressive: the published packages' number format, as `setgan export --precision` (Float32 or Int8; int8 calibrates on " +
                "each truncation's own samples as it is published). Other modes: export the trained model with `setgan export --precision`.",
            DefaultValueFactory = _ => ModelPrecision.Float32,
        };

        var command = new Command("train", "Train a SinGAN pyramid for one image (SinGAN sequential, or SETGAN parallel/progressive), with a checkpoint per scale.")
        {
            image, preset, iterations, maxSize, seed, device, threads, compute, output, force, mode, earlyStop, minIterations, ssimTarget, chainTune, handOver, warmStart, publish, key, precision,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            var settings = TrainingSettings.FromPreset(parse.GetValue(preset)!) with
            {
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Compute = ComputePrecisions.Parse(parse.GetValue(compute)!, parse.GetValue(device)!),
            };
            if (parse.GetValue(iterations) is { } n) settings = settings with { Iterations = n > 0 ? n : throw new ArgumentException("--iterations must be at least 1") };
            if (parse.GetValue(maxSize) is { } px) settings = settings with { MaxSize = px };
            settings = settings with { Mode = Enum.Parse<TrainingMode>(parse.GetValue(mode)!, ignoreCase: true) };
            if (parse.GetValue(earlyStop))
                settings = settings with
                {
                    EarlyStop = parse.GetValue(minIterations) is not { } m ? EarlyStopSettings.For(settings.Iterations)
                        : m > 0 ? new EarlyStopSettings(MinIterations: m) : throw new ArgumentException("--min-iterations must be at least 1"),
                };
            if (parse.GetValue(ssimTarget) is { } t)
                settings = settings with { SsimTarget = t is > 0 and <= 1 ? t : throw new ArgumentException("--ssim-target must be in (0, 1]") };
            settings = settings with { ChainTuneSteps = parse.GetValue(chainTune) is >= 0 and var steps ? steps : throw new ArgumentException("--chain-tune must be 0 or more") };
            settings = settings with { HandOver = parse.GetValue(handOver), WarmStart = parse.GetValue(warmStart) };
            string path = parse.GetValue(image)!, outDir = parse.GetValue(output)!;
            var packages = parse.GetValue(precision);
            if (settings.Mode != TrainingMode.Progressive && packages != ModelPrecision.Float32)
                throw new ArgumentException($"--precision is for --mode progressive, which publishes packages while it trains; export a {settings.Mode.ToString().ToLowerInvariant()} model with `setgan export --precision {packages.ToString().ToLowerInvariant()}`");
            string? privateKey = settings.Mode == TrainingMode.Progressive ? PackageCommands.ReadKey(parse.GetValue(key)!) : null;
            string publishTo = parse.GetValue(publish) ?? Path.GetFullPath(outDir).TrimEnd('/') + "-packages";
            var dir = await TrainingRun.RunAsync(Path.GetFileName(path), TrainingRun.ReadInput(path), settings, outDir, parse.GetValue(force), cancel,
                privateKey is null ? null : new(publishTo, privateKey, packages));
            System.Console.WriteLine($"model written to {dir.Path}");
            return 0;
        }, onInterrupt: $"training interrupted; rerun the same command to resume at the first unfinished scale"));
        return command;
    }
}
