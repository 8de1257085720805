using System.CommandLine;
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
        var output = new Option<string>("--out") { Description = "Model folder to create. Training writes OUT.partial first; rerunning the same command after an interruption resumes at the first unfinished scale.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing OUT (or a partial run with other settings)." };

        var command = new Command("train", "Train a SinGAN pyramid (mode: sequential, the SinGAN baseline) for one image, with a checkpoint per scale.")
        {
            image, preset, iterations, maxSize, seed, device, threads, output, force,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            var settings = TrainingSettings.FromPreset(parse.GetValue(preset)!) with
            {
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
            };
            if (parse.GetValue(iterations) is { } n) settings = settings with { Iterations = n > 0 ? n : throw new ArgumentException("--iterations must be at least 1") };
            if (parse.GetValue(maxSize) is { } px) settings = settings with { MaxSize = px };
            string path = parse.GetValue(image)!, outDir = parse.GetValue(output)!;
            var dir = await TrainingRun.RunAsync(Path.GetFileName(path), TrainingRun.ReadInput(path), settings, outDir, parse.GetValue(force), cancel);
            System.Console.WriteLine($"model written to {dir.Path}");
            return 0;
        }, onInterrupt: $"training interrupted; rerun the same command to resume at the first unfinished scale"));
        return command;
    }
}
