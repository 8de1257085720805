using System.CommandLine;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan demo`: the main job on built-in defaults. For now: train the quick preset on the
/// bundled balloons image (reusing a finished model) and write samples for every truncation k.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Working folder for the demo.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations per scale (default: the quick preset's)." };
        var command = new Command("demo", "Train the quick preset on the bundled balloons image (or reuse it) and write samples for every truncation k.")
        {
            output, iterations,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string root = parse.GetValue(output)!, modelPath = Path.Combine(root, "model");
            var settings = TrainingSettings.Quick;
            if (parse.GetValue(iterations) is { } n) settings = settings with { Iterations = n };

            ModelDirectory model;
            if (File.Exists(Path.Combine(modelPath, ModelDirectory.ModelFile)))
            {
                System.Console.WriteLine($"reusing the trained model in {modelPath} (delete it to train again)");
                model = ModelDirectory.Open(modelPath);
            }
            else
            {
                model = await TrainingRun.RunAsync("balloons.png", BundledImage(), settings, modelPath, force: false, cancel);
            }

            int scales = model.CompletedScales();
            for (int k = 0; k < scales; k++)
            {
                var result = Sampling.Write(model.Path, count: 8, scale: k, size: null, seed: 1, outDir: Path.Combine(root, "samples", $"k{k}"));
                System.Console.WriteLine($"k = {k} ({result.Size}): {result.ContactSheet}");
            }
            return 0;
        }, onInterrupt: "demo interrupted; run it again to resume training"));
        return command;
    }

    private static byte[] BundledImage()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("SetGan.Cloud.balloons.png")
            ?? throw new InvalidOperationException("the bundled balloons.png is missing from this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
