using System.CommandLine;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan demo`: the main job on built-in defaults. For now: train the quick preset on the
/// bundled balloons image (reusing a finished model), write samples for every truncation k, and
/// run the device path: signed ONNX package, verified, one image per k with ONNX Runtime.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Working folder for the demo.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations per scale (default: the quick preset's)." };
        var command = new Command("demo", "Train the quick preset on the bundled balloons image (or reuse it), write samples for every truncation k, then export a signed ONNX package and run every k with ONNX Runtime.")
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
            RunOnDevicePath(root, model);
            return 0;
        }, onInterrupt: "demo interrupted; run it again to resume training"));
        return command;
    }

    /// <summary>
    /// What a device will do: export the pyramid as a signed ONNX package, verify it, and generate
    /// one image per truncation k with ONNX Runtime, side by side at full size.
    /// </summary>
    private static void RunOnDevicePath(string root, ModelDirectory model)
    {
        string keys = Path.Combine(root, "keys");
        if (!File.Exists(Path.Combine(keys, PackageSigning.PrivateKeyFile))) PackageSigning.NewKeyPair(keys);
        string package = Path.Combine(root, "package");
        PackageExporter.Export(model.Path, package, File.ReadAllText(Path.Combine(keys, PackageSigning.PrivateKeyFile)), force: true);
        using var pyramid = PyramidPackage.Load(package, File.ReadAllText(Path.Combine(keys, PackageSigning.PublicKeyFile)));
        var finest = pyramid.Sizes[^1];
        var perK = Enumerable.Range(0, pyramid.FinestScale + 1)
            .Select(k => ImageResize.ToSize(pyramid.Generate(k, seed: 1), finest.Width, finest.Height))
            .ToList();
        string sheet = Path.Combine(root, "onnx-truncations.png");
        ImageFile.SavePng(ContactSheet.Compose(perK, columns: perK.Count), sheet);
        System.Console.WriteLine($"signed ONNX package: {package}");
        System.Console.WriteLine($"k = 0..{pyramid.FinestScale} with ONNX Runtime, shown at full size left to right: {sheet}");
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
